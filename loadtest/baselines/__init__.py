"""Baseline servers the benchmark compares groupcast with: the websockets ceiling and python-socketio + Redis."""
