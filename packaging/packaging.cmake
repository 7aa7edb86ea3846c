# packaging/packaging.cmake: install rules, the Debian package (CPack DEB) and
# its test. Included at the very end of the top-level CMakeLists.txt, so every
# target (bridgehostctl too, when it exists) is already defined.
#
#   cmake --build build && (cd build && cpack -G DEB)   # -> build/bridgehost_<version>_<arch>.deb
#
# Layout of the package (CPACK_PACKAGING_INSTALL_PREFIX /usr; /etc and
# /lib/systemd absolute, as Debian 12 has them):
#   /usr/bin/bridgehost, bridgehost-gen[, bridgehostctl]
#   /usr/lib/bridgehost/bridgehost-hugepages     ExecStartPre= of the unit
#   /lib/systemd/system/bridgehost@.service
#   /etc/default/bridgehost                      conffile
#   /etc/bridgehost/bridgehost.yaml              conffile (config/example.yaml)
#   /usr/share/bridgehost/examples/*.yaml        config/*.yaml
#   /usr/share/doc/bridgehost/                   README.md, docs/, README.packaging.md, pktgen/
#
# Everything is installed as component "bridgehost" and only that component
# goes into the package, so install() rules of third-party subprojects never
# end up in it. The unit file hard-codes /usr/bin and /usr/lib/bridgehost: it
# matches the package, not a `cmake --install` to another prefix.

set(_bh_pkg ${CMAKE_CURRENT_LIST_DIR})
set(_bh_component bridgehost)

install(TARGETS bridgehost bridgehost-gen RUNTIME DESTINATION bin COMPONENT ${_bh_component})
if(TARGET bridgehostctl)
  install(TARGETS bridgehostctl RUNTIME DESTINATION bin COMPONENT ${_bh_component})
endif()

install(PROGRAMS ${_bh_pkg}/bridgehost-hugepages ${_bh_pkg}/bridgehost-bind
        DESTINATION lib/bridgehost COMPONENT ${_bh_component})
install(FILES "${_bh_pkg}/bridgehost@.service" "${_bh_pkg}/bridgehost-bind@.service"
        DESTINATION /lib/systemd/system COMPONENT ${_bh_component})
install(FILES ${_bh_pkg}/bridgehost.default DESTINATION /etc/default RENAME bridgehost
        COMPONENT ${_bh_component})
install(FILES ${CMAKE_SOURCE_DIR}/config/example.yaml DESTINATION /etc/bridgehost RENAME bridgehost.yaml
        COMPONENT ${_bh_component})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/config/ DESTINATION share/bridgehost/examples
        COMPONENT ${_bh_component} FILES_MATCHING PATTERN "*.yaml")
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION share/doc/bridgehost COMPONENT ${_bh_component})
# The pages README.md links to, at the same relative paths (docs/...).
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION share/doc/bridgehost/docs
        COMPONENT ${_bh_component} FILES_MATCHING PATTERN "*.md")
install(FILES ${_bh_pkg}/README.md DESTINATION share/doc/bridgehost RENAME README.packaging.md
        COMPONENT ${_bh_component})
# The pktgen README keeps its name in its own directory (README.md is taken).
install(DIRECTORY ${CMAKE_SOURCE_DIR}/scripts/pktgen/ DESTINATION share/doc/bridgehost/pktgen
        COMPONENT ${_bh_component} FILES_MATCHING PATTERN "*.lua" PATTERN "README.md")

# --- CPack: one .deb ----------------------------------------------------------
set(BRIDGEHOST_PACKAGE_MAINTAINER
    "bridgehost maintainers <maintainers@users.noreply.r-seed-d42c9ea0.example>"
    CACHE STRING "Maintainer: field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME bridgehost)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "bridgehost")
set(CPACK_PACKAGE_CONTACT "${BRIDGEHOST_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "DPDK learning Ethernet switch joining L2 segments")
set(CPACK_PACKAGE_DESCRIPTION
    "bridgehost joins two or more L2 segments with DPDK poll-mode workers and a\n"
    "lock-free MAC table: it learns, forwards, floods, or drops frames for a\n"
    "counted reason. One YAML file per instance (/etc/bridgehost/NAME.yaml),\n"
    "run by the systemd template unit bridgehost@NAME.service.")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};${_bh_component};/")
# cpack (and make install/package) install what is built instead of building
# every target first: packaging never compiles, so it neither fails on an
# unrelated test that does not build nor runs a second build in a tree being
# built. Build first: cmake --build build && (cd build && cpack -G DEB).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(CPACK_PACKAGE_CHECKSUM SHA256)

set(CPACK_DEBIAN_PACKAGE_NAME bridgehost)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${BRIDGEHOST_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
find_program(BRIDGEHOST_DPKG dpkg)
if(BRIDGEHOST_DPKG)
  execute_process(COMMAND ${BRIDGEHOST_DPKG} --print-architecture
                  OUTPUT_VARIABLE CPACK_DEBIAN_PACKAGE_ARCHITECTURE OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
# dpkg-shlibdeps turns the binaries' NEEDED libraries into Depends: (librte-*,
# libyaml-cpp, civetweb, libstdc++, libc ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

# DPDK loads its drivers as plugins from pmds-<abi>/, which no binary links,
# so dpkg-shlibdeps cannot see them. Depend on the package of each driver the
# shipped configurations, the README and the benchmark use; find which package
# holds it with dpkg -S, falling back to Debian 12's names.
set(_bh_pmds
    "net_af_packet:librte-net-af-packet23"
    "net_tap:librte-net-tap23"
    "net_vmxnet3:librte-net-vmxnet3-23"
    "net_virtio:librte-net-virtio23"
    "net_vhost:librte-net-vhost23"
    "bus_pci:librte-bus-pci23"
    "bus_vdev:librte-bus-vdev23"
    "mempool_ring:librte-mempool-ring23")
pkg_get_variable(_bh_dpdk_libdir libdpdk libdir)
set(_bh_pmd_packages "")
foreach(_bh_entry IN LISTS _bh_pmds)
  string(REPLACE ":" ";" _bh_entry "${_bh_entry}")
  list(GET _bh_entry 0 _bh_driver)
  list(GET _bh_entry 1 _bh_package)
  file(GLOB _bh_so "${_bh_dpdk_libdir}/dpdk/pmds-*/librte_${_bh_driver}.so.[0-9]*")
  if(_bh_so AND BRIDGEHOST_DPKG)
    list(GET _bh_so 0 _bh_so)
    execute_process(COMMAND ${BRIDGEHOST_DPKG} -S ${_bh_so} OUTPUT_VARIABLE _bh_owner
                    ERROR_QUIET RESULT_VARIABLE _bh_rc)
    # "librte-net-vhost23:amd64: /usr/lib/..." -> librte-net-vhost23
    if(_bh_rc EQUAL 0 AND _bh_owner MATCHES "^([a-z0-9][a-z0-9.+-]*)(:[a-z0-9-]+)?: ")
      set(_bh_package ${CMAKE_MATCH_1})
    endif()
  endif()
  list(APPEND _bh_pmd_packages ${_bh_package})
endforeach()
list(REMOVE_DUPLICATES _bh_pmd_packages)
list(JOIN _bh_pmd_packages ", " _bh_pmd_depends)
# Merged with what dpkg-shlibdeps finds.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "dpdk, ${_bh_pmd_depends}")
message(STATUS "bridgehost package: Depends: ${CPACK_DEBIAN_PACKAGE_DEPENDS}, plus dpkg-shlibdeps")

set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${_bh_pkg}/debian/postinst ${_bh_pkg}/debian/postrm ${_bh_pkg}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)

# --- Test ---------------------------------------------------------------------
if(BRIDGEHOST_TESTS)
  add_test(NAME packaging.deb COMMAND bash ${CMAKE_SOURCE_DIR}/packaging/test_deb.sh ${CMAKE_BINARY_DIR})
  set_tests_properties(packaging.deb PROPERTIES LABELS system TIMEOUT 120)
endif()
