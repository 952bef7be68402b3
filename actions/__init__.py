"""Custom actions of the Pointe-Claire assistant, run by `rasa run actions --actions actions`."""
