# The plugin's own tests drive it through pytester (inner pytest runs in subprocesses).
pytest_plugins = ("pytester",)
