# CMake toolchain file: cross-build C Lambda executables (and this SDK) for
# 64-bit ARM Linux gateways on an x86_64 machine with Debian's or Ubuntu's
# gcc-aarch64-linux-gnu. Installed beside the arm64 SDK's CMake package, so
#   cmake -DCMAKE_TOOLCHAIN_FILE=<arm64 sdk>/lib/cmake/aws-greengrass-core-sdk-c/aarch64-linux-gnu.cmake
# finds both the cross compiler and that SDK (find_package) with nothing else set.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Headers and libraries come from the cross sysroot and the arm64 SDK this
# file sits in (lib/cmake/<package>/ -> three levels up is the SDK prefix),
# never from the build machine's own /usr; programs (the compiler, cmake
# itself) run on the build machine.
# Building the SDK itself uses this file from csdk/cmake/, where three levels
# up is no SDK: only the sysroot then.
get_filename_component(NLS_ARM64_SDK_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
if(EXISTS "${NLS_ARM64_SDK_PREFIX}/lib/cmake/aws-greengrass-core-sdk-c")
  list(APPEND CMAKE_FIND_ROOT_PATH "${NLS_ARM64_SDK_PREFIX}")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
