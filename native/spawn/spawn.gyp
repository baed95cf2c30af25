# The worker spawner (posix_spawn plus a pidfd) as a static library for the
# addon, built with the project's strict C89 flags like native/wire.
{
  'targets': [
    {
      'target_name': 'nanolambda_spawn',
      'type': 'static_library',
      'sources': ['nls_spawn.c'],
      'cflags': ['-fPIC', '-fvisibility=hidden'],
      'cflags_c': ['-std=c89', '-pedantic', '-Werror', '-Wall', '-Wextra', '-Wconversion'],
      'direct_dependent_settings': {
        'include_dirs': ['.'],
      },
    },
  ],
}
