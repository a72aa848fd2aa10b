"""效果共评 evaluations: ratings by stage, yearly ratings, ten-star households and awards."""
