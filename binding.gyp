# The Node addon: thin Node-API glue (native/addon) over native/wire.
{
  'targets': [
    {
      'target_name': 'nanolambda',
      'sources': ['native/addon/nanolambda.cc'],
      'dependencies': [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api",
        'native/wire/wire.gyp:nanolambda_wire',
      ],
      # Pinned: the addon uses nothing newer, and prebuilds stay loadable on
      # every Node version that offers Node-API 8 (Node >= 12.22).
      'defines': ['NAPI_VERSION=8'],
      'cflags': ['-fvisibility=hidden'],
      'cflags_cc': ['-fvisibility=hidden', '-Wall', '-Wextra'],
    },
  ],
}
