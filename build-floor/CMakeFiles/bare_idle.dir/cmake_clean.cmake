file(REMOVE_RECURSE
  "CMakeFiles/bare_idle.dir/bare_idle.c.o"
  "CMakeFiles/bare_idle.dir/bare_idle.c.o.d"
  "bare_idle"
  "bare_idle.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/bare_idle.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
