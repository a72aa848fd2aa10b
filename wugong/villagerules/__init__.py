"""村规民约 village rules: versions, adoption by vote, filing with the town, publication."""
