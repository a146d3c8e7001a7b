"""The web app: routes parse input, call one service and render the result."""
