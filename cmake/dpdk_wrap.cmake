# -DBRIDGEHOST_DPDK=wrap: build the pinned DPDK of meson_wrap/ (meson + its
# wrap-file) at configure time, install it into the build tree (or
# BRIDGEHOST_DPDK_WRAP_PREFIX), and put its
# libdpdk.pc first on PKG_CONFIG_PATH, so that the top-level
# pkg_check_modules(DPDK ... libdpdk) and everything after it work unchanged.
#
# Configure time (execute_process), not ExternalProject: pkg_check_modules runs
# at configure time and needs libdpdk.pc then. Building at build time would
# mean writing the imported target's include directories, flags and library
# list by hand, a second description of DPDK that the system path does not
# have. The cost is that the first configure takes minutes; later ones skip the
# DPDK build while the stamp (wrap, meson files, options) is unchanged.
#
# Sets, for the caller: BRIDGEHOST_DPDK_WRAP_PC_DIR (where libdpdk.pc is),
# ENV{PKG_CONFIG_PATH}, and CMAKE_LIBRARY_PATH so that
# find_library() of a DPDK library (tests/dpdk: rte_net_ring) finds the wrap's.
# meson_wrap/README.md has the commands and the offline build.

set(_bhw_src "${PROJECT_SOURCE_DIR}/meson_wrap")
set(_bhw_wrap "${_bhw_src}/subprojects/dpdk.wrap")
set(_bhw_root "${CMAKE_BINARY_DIR}/dpdk-wrap")
set(_bhw_build "${_bhw_root}/build")
set(BRIDGEHOST_DPDK_WRAP_PREFIX "${_bhw_root}/install" CACHE PATH
    "Where -DBRIDGEHOST_DPDK=wrap installs DPDK (its drivers are loaded from <prefix>/lib/dpdk/pmds-23.0)")
set(_bhw_prefix "${BRIDGEHOST_DPDK_WRAP_PREFIX}")
set(_bhw_libdir "${_bhw_prefix}/lib")
set(_bhw_pc_dir "${_bhw_libdir}/pkgconfig")
set(_bhw_stamp "${_bhw_root}/stamp")

set(BRIDGEHOST_DPDK_WRAP_PLATFORM "generic" CACHE STRING
    "DPDK platform for -DBRIDGEHOST_DPDK=wrap: generic (like Debian's, x86-64: -march=corei7) or native")
set(BRIDGEHOST_DPDK_WRAP_EXTRA_DRIVERS "" CACHE STRING
    "More DPDK drivers for -DBRIDGEHOST_DPDK=wrap, comma-separated (e.g. net/tap)")
set(BRIDGEHOST_DPDK_WRAP_JOBS "" CACHE STRING
    "Parallel jobs for the DPDK build of -DBRIDGEHOST_DPDK=wrap (empty: ninja's default)")

# Edits to the meson project or the wrap re-run the configure (and so the DPDK build).
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             "${_bhw_src}/meson.build" "${_bhw_src}/meson_options.txt" "${_bhw_wrap}")

# The pinned tarball, from the wrap-file, for the messages.
file(STRINGS "${_bhw_wrap}" _bhw_line REGEX "^source_filename *=")
string(REGEX REPLACE "^source_filename *= *" "" _bhw_tarball "${_bhw_line}")
file(STRINGS "${_bhw_wrap}" _bhw_line REGEX "^source_url *=")
string(REGEX REPLACE "^source_url *= *" "" _bhw_url "${_bhw_line}")
file(STRINGS "${_bhw_wrap}" _bhw_line REGEX "^source_fallback_url *=")
string(REGEX REPLACE "^source_fallback_url *= *" "" _bhw_fallback_url "${_bhw_line}")
file(STRINGS "${_bhw_wrap}" _bhw_line REGEX "^source_hash *=")
string(REGEX REPLACE "^source_hash *= *" "" _bhw_hash "${_bhw_line}")
string(CONCAT _bhw_offline_hint
       "For an offline build put ${_bhw_tarball} (from ${_bhw_url} or ${_bhw_fallback_url}, "
       "sha256 ${_bhw_hash}) "
       "in ${_bhw_src}/subprojects/packagecache/ and configure again.")

# Tools: meson (>= 0.57), ninja, and pyelftools for the Python meson runs DPDK's
# scripts with (DPDK 22.11 uses `python3` from PATH if it has elftools, else
# meson's own interpreter, so either will do).
set(_bhw_install_hint "On Debian/Ubuntu: apt-get install meson ninja-build python3-pyelftools")
find_program(BRIDGEHOST_MESON meson)
find_program(BRIDGEHOST_NINJA NAMES ninja ninja-build samu)
mark_as_advanced(BRIDGEHOST_MESON BRIDGEHOST_NINJA)
if(NOT EXISTS "${BRIDGEHOST_MESON}" OR NOT EXISTS "${BRIDGEHOST_NINJA}")
  message(FATAL_ERROR "BRIDGEHOST_DPDK=wrap needs meson and ninja to build DPDK (found meson: "
          "'${BRIDGEHOST_MESON}', ninja: '${BRIDGEHOST_NINJA}'). ${_bhw_install_hint}")
endif()
execute_process(COMMAND "${BRIDGEHOST_MESON}" --version OUTPUT_VARIABLE _bhw_meson_version
                OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _bhw_rc)
if(NOT _bhw_rc EQUAL 0 OR _bhw_meson_version VERSION_LESS 0.57)
  message(FATAL_ERROR "BRIDGEHOST_DPDK=wrap needs meson >= 0.57, ${BRIDGEHOST_MESON} is "
          "'${_bhw_meson_version}'. ${_bhw_install_hint} (or pip install meson)")
endif()
execute_process(COMMAND "${BRIDGEHOST_MESON}" runpython -c "import elftools"
                RESULT_VARIABLE _bhw_rc OUTPUT_QUIET ERROR_QUIET)
if(NOT _bhw_rc EQUAL 0)
  find_program(BRIDGEHOST_DPDK_WRAP_PYTHON3 python3)
  mark_as_advanced(BRIDGEHOST_DPDK_WRAP_PYTHON3)
  if(BRIDGEHOST_DPDK_WRAP_PYTHON3)
    execute_process(COMMAND "${BRIDGEHOST_DPDK_WRAP_PYTHON3}" -c "import elftools"
                    RESULT_VARIABLE _bhw_rc OUTPUT_QUIET ERROR_QUIET)
  endif()
  if(NOT _bhw_rc EQUAL 0)
    message(FATAL_ERROR "BRIDGEHOST_DPDK=wrap: DPDK's build needs the Python module elftools "
            "(pyelftools), which neither meson's Python nor python3 on PATH has. ${_bhw_install_hint}")
  endif()
endif()

set(_bhw_setup_args
    --prefix "${_bhw_prefix}" --libdir lib
    "-Dplatform=${BRIDGEHOST_DPDK_WRAP_PLATFORM}"
    "-Dextra_drivers=${BRIDGEHOST_DPDK_WRAP_EXTRA_DRIVERS}")

# Rebuild from scratch when the inputs change (meson applies a subproject's
# default_options only at the first setup); otherwise use what is installed.
file(SHA256 "${_bhw_src}/meson.build" _bhw_h1)
file(SHA256 "${_bhw_src}/meson_options.txt" _bhw_h2)
file(SHA256 "${_bhw_wrap}" _bhw_h3)
string(SHA256 _bhw_key "${_bhw_h1};${_bhw_h2};${_bhw_h3};${_bhw_setup_args};${CMAKE_C_COMPILER}")
set(_bhw_old_key "")
if(EXISTS "${_bhw_stamp}")
  file(READ "${_bhw_stamp}" _bhw_old_key)
endif()

if(_bhw_old_key STREQUAL _bhw_key AND EXISTS "${_bhw_pc_dir}/libdpdk.pc")
  message(STATUS "DPDK (meson_wrap): using ${_bhw_prefix}, built before")
else()
  file(REMOVE_RECURSE "${_bhw_build}" "${_bhw_stamp}")
  # Empty the prefix only when it is our own; a user's may hold other things.
  cmake_path(IS_PREFIX _bhw_root "${_bhw_prefix}" NORMALIZE _bhw_own_prefix)
  if(_bhw_own_prefix)
    file(REMOVE_RECURSE "${_bhw_prefix}")
  endif()
  file(MAKE_DIRECTORY "${_bhw_root}")
  message(STATUS "DPDK (meson_wrap): building ${_bhw_tarball} into ${_bhw_prefix}; "
          "this takes a minute or more, once")
  string(TIMESTAMP _bhw_t0 "%s")

  # meson finds ninja on PATH or in $NINJA; build with CMake's C compiler.
  set(_bhw_env "${CMAKE_COMMAND}" -E env "CC=${CMAKE_C_COMPILER}" "NINJA=${BRIDGEHOST_NINJA}")
  execute_process(COMMAND ${_bhw_env} "${BRIDGEHOST_MESON}" setup "${_bhw_build}" "${_bhw_src}"
                          ${_bhw_setup_args}
                  RESULT_VARIABLE _bhw_rc OUTPUT_VARIABLE _bhw_out ERROR_VARIABLE _bhw_out
                  ECHO_OUTPUT_VARIABLE ECHO_ERROR_VARIABLE)
  if(NOT _bhw_rc EQUAL 0)
    if(_bhw_out MATCHES "Incorrect hash")
      message(FATAL_ERROR "BRIDGEHOST_DPDK=wrap: the DPDK tarball does not have the pinned hash "
              "(see above). Remove ${_bhw_src}/subprojects/packagecache/${_bhw_tarball} if you "
              "put it there. ${_bhw_offline_hint}")
    elseif(NOT EXISTS "${_bhw_src}/subprojects/packagecache/${_bhw_tarball}")
      message(FATAL_ERROR "BRIDGEHOST_DPDK=wrap: meson setup failed (output above); "
              "${_bhw_tarball} is not in the package cache, so the download may have failed. "
              "${_bhw_offline_hint}")
    else()
      message(FATAL_ERROR "BRIDGEHOST_DPDK=wrap: meson setup of ${_bhw_src} failed (output above, "
              "log: ${_bhw_build}/meson-logs/meson-log.txt). ${_bhw_install_hint}")
    endif()
  endif()

  set(_bhw_jobs "")
  if(BRIDGEHOST_DPDK_WRAP_JOBS)
    set(_bhw_jobs -j "${BRIDGEHOST_DPDK_WRAP_JOBS}")
  endif()
  execute_process(COMMAND ${_bhw_env} "${BRIDGEHOST_MESON}" compile -C "${_bhw_build}" ${_bhw_jobs}
                  RESULT_VARIABLE _bhw_rc)
  if(NOT _bhw_rc EQUAL 0)
    message(FATAL_ERROR "BRIDGEHOST_DPDK=wrap: building DPDK in ${_bhw_build} failed (output above)")
  endif()
  execute_process(COMMAND ${_bhw_env} "${BRIDGEHOST_MESON}" install -C "${_bhw_build}" --no-rebuild
                  RESULT_VARIABLE _bhw_rc OUTPUT_VARIABLE _bhw_out ERROR_VARIABLE _bhw_out)
  if(NOT _bhw_rc EQUAL 0 OR NOT EXISTS "${_bhw_pc_dir}/libdpdk.pc")
    message(FATAL_ERROR "BRIDGEHOST_DPDK=wrap: meson install into ${_bhw_prefix} failed:\n${_bhw_out}")
  endif()

  string(TIMESTAMP _bhw_t1 "%s")
  math(EXPR _bhw_secs "${_bhw_t1} - ${_bhw_t0}")
  file(WRITE "${_bhw_stamp}" "${_bhw_key}")
  message(STATUS "DPDK (meson_wrap): built and installed in ${_bhw_secs} s")
endif()

# The EAL refuses to load drivers from a directory that has a world-writable
# directory on its path (verify_perms(): "directory path /tmp is world-writable
# and insecure", then "Cannot init plugins"), and all our ports are drivers. So
# a build tree under /tmp builds, and --check works, but the EAL does not start.
set(_bhw_dir "${_bhw_libdir}/dpdk")
while(TRUE)
  execute_process(COMMAND stat -L -c "%A" "${_bhw_dir}" OUTPUT_VARIABLE _bhw_mode
                  OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _bhw_rc ERROR_QUIET)
  if(_bhw_rc EQUAL 0 AND _bhw_mode MATCHES "^.......(.w.)$")
    message(WARNING "BRIDGEHOST_DPDK=wrap: ${_bhw_dir} is world-writable, so DPDK will refuse "
            "to load its drivers from ${_bhw_libdir}/dpdk (\"Cannot init plugins\") and "
            "bridgehost will build but not start. Use a build directory outside it, or set "
            "-DBRIDGEHOST_DPDK_WRAP_PREFIX= to a directory outside it (e.g. /opt/bridgehost-dpdk).")
    break()
  endif()
  get_filename_component(_bhw_parent "${_bhw_dir}" DIRECTORY)
  if(_bhw_parent STREQUAL _bhw_dir)
    break()
  endif()
  set(_bhw_dir "${_bhw_parent}")
endwhile()

# The wrap's libdpdk.pc goes first, ahead of any system one.
if(DEFINED ENV{PKG_CONFIG_PATH} AND NOT "$ENV{PKG_CONFIG_PATH}" STREQUAL "")
  set(ENV{PKG_CONFIG_PATH} "${_bhw_pc_dir}:$ENV{PKG_CONFIG_PATH}")
else()
  set(ENV{PKG_CONFIG_PATH} "${_bhw_pc_dir}")
endif()
list(PREPEND CMAKE_LIBRARY_PATH "${_bhw_libdir}")
set(BRIDGEHOST_DPDK_WRAP_PC_DIR "${_bhw_pc_dir}")
