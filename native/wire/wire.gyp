# The wire library (frames, rings, waiting) as a static library for the
# addon. The C SDK compiles the same files through CMake. Built with the
# project's strict C89 flags so both builds hold the code to one standard.
{
  'targets': [
    {
      'target_name': 'nanolambda_wire',
      'type': 'static_library',
      'sources': ['nlw_channel.c', 'nlw_ring.c', 'nlw_wait.c', 'nlw_control.c'],
      'cflags': ['-fPIC', '-fvisibility=hidden'],
      'cflags_c': ['-std=c89', '-pedantic', '-Werror', '-Wall', '-Wextra', '-Wconversion'],
      'direct_dependent_settings': {
        'include_dirs': ['.'],
      },
    },
  ],
}
