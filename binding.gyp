# The Node addon: thin Node-API glue (native/addon) over native/wire and
# native/spawn.
{
  'targets': [
    {
      'target_name': 'nanolambda',
      'sources': ['native/addon/nanolambda.cc', 'native/addon/worker_process.cc'],
      'dependencies': [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api",
        'native/wire/wire.gyp:nanolambda_wire',
        'native/spawn/spawn.gyp:nanolambda_spawn',
      ],
      # Pinned: the addon uses nothing newer, and prebuilds stay loadable on
      # every Node version that offers Node-API 8 (Node >= 12.22).
      # Without C++ exceptions node-addon-api aborts the process when it cannot
      # throw; a worker thread being terminated cannot, so let that pass.
      'defines': ['NAPI_VERSION=8', 'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS'],
      'cflags': ['-fvisibility=hidden'],
      'cflags_cc': ['-fvisibility=hidden', '-Wall', '-Wextra'],
    },
  ],
}
