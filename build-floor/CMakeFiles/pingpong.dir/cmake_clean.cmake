file(REMOVE_RECURSE
  "CMakeFiles/pingpong.dir/pingpong.c.o"
  "CMakeFiles/pingpong.dir/pingpong.c.o.d"
  "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_channel.c.o"
  "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_channel.c.o.d"
  "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_control.c.o"
  "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_control.c.o.d"
  "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_ring.c.o"
  "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_ring.c.o.d"
  "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_wait.c.o"
  "CMakeFiles/pingpong.dir/work/main/native/wire/nlw_wait.c.o.d"
  "pingpong"
  "pingpong.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/pingpong.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
