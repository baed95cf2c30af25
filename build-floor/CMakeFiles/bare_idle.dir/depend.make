# Empty dependencies file for bare_idle.
# This may be replaced when dependencies are built.
