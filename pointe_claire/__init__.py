"""Pointe-Claire reply assistant: the Python shared by the Rasa server and the action server."""
