# Empty compiler generated dependencies file for pingpong.
# This may be replaced when dependencies are built.
