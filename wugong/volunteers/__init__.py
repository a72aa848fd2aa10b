"""志愿服务 volunteering: teams, activities, sign-up, check-in/out, service hours."""
