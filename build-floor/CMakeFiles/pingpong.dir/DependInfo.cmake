
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/bench/floor/pingpong.c" "CMakeFiles/pingpong.dir/pingpong.c.o" "gcc" "CMakeFiles/pingpong.dir/pingpong.c.o.d"
  "/work/main/native/wire/nlw_channel.c" "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_channel.c.o" "gcc" "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_channel.c.o.d"
  "/work/main/native/wire/nlw_control.c" "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_control.c.o" "gcc" "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_control.c.o.d"
  "/work/main/native/wire/nlw_ring.c" "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_ring.c.o" "gcc" "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_ring.c.o.d"
  "/work/main/native/wire/nlw_wait.c" "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_wait.c.o" "gcc" "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_wait.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
