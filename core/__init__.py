"""What every other package builds on: settings and engine helpers; imports nothing else of ours."""
