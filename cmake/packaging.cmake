# Debian package of anymesh (CPack DEB): what is installed where, and the package's control data.
# Included at the end of the top-level CMakeLists.txt, after every target exists.
#
#   cmake --build build --target anymesh-gateway anymesh anymesh-controller anymesh-wg   # (and the BPF objects)
#   cpack --config build/CPackConfig.cmake -B /tmp/pkg        # -> /tmp/pkg/anymesh_<version>-1_<arch>.deb
#
# Binaries (bin/) and BPF objects (lib/anymesh/bpf/) have their install() rules next to their
# targets; this file adds the rest. The package installs below /usr, except the conffiles in
# /etc and the units in /lib/systemd/system (where Debian 12 packages put them).

set(ANYMESH_PACKAGE_MAINTAINER "anymesh maintainers <anymesh@example.invalid>"
    CACHE STRING "Maintainer field of the Debian package")
set(ANYMESH_PACKAGE_RELEASE 1 CACHE STRING "Debian revision of the package (version ${PROJECT_VERSION}-REVISION)")

set(anymesh_systemd_dir ${PROJECT_SOURCE_DIR}/configs/systemd)

# systemd units, and the helpers they run.
install(FILES ${anymesh_systemd_dir}/anymesh-gateway.service ${anymesh_systemd_dir}/anymesh-controller.service
              ${anymesh_systemd_dir}/anymesh-wg@.service
        DESTINATION /lib/systemd/system)
install(PROGRAMS ${anymesh_systemd_dir}/anymesh-hugepages ${anymesh_systemd_dir}/anymesh-wg-config
        DESTINATION lib/anymesh)

# Default configuration, as conffiles: dpkg keeps the operator's edits across upgrades.
install(FILES ${PROJECT_SOURCE_DIR}/configs/gateway.conf ${PROJECT_SOURCE_DIR}/configs/mesh.yaml
        DESTINATION /etc/anymesh)
install(FILES ${anymesh_systemd_dir}/anymesh-gateway.default DESTINATION /etc/default RENAME anymesh-gateway)
install(FILES ${anymesh_systemd_dir}/anymesh-controller.default DESTINATION /etc/default RENAME anymesh-controller)
set(anymesh_conffiles
    /etc/anymesh/gateway.conf
    /etc/anymesh/mesh.yaml
    /etc/default/anymesh-gateway
    /etc/default/anymesh-controller)

# The same files as pristine examples, and the operator documentation.
install(FILES ${PROJECT_SOURCE_DIR}/configs/gateway.conf ${PROJECT_SOURCE_DIR}/configs/mesh.yaml
              ${anymesh_systemd_dir}/anymesh-gateway.default ${anymesh_systemd_dir}/anymesh-controller.default
        DESTINATION share/doc/anymesh/examples)
file(GLOB anymesh_docs ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${anymesh_docs} DESTINATION share/doc/anymesh)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/runbooks DESTINATION share/doc/anymesh FILES_MATCHING PATTERN "*.md")

# cpack runs the "preinstall" target, which would build every target of the tree (tests, benchmarks,
# the lab) first; the package needs only what is installed, built beforehand.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# Control data.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME anymesh)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR anymesh)
set(CPACK_PACKAGE_CONTACT "${ANYMESH_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "multi-region gateway: WireGuard-compatible tunnels, anycast ingress, failover")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Installed binaries lose their debug information (the build tree keeps it).
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${ANYMESH_PACKAGE_RELEASE})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ANYMESH_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# The summary above is the synopsis line; this is the extended description under it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "anymesh-gateway is a DPDK data plane that carries traffic between regions through
WireGuard-compatible tunnels with several lanes per region pair, probes every lane
in the tunnel and fails over in tens of milliseconds. anymesh-controller turns the
gateways' measurements into routes and pushes ed25519-signed snapshots over gRPC.
anymesh-wg is a userspace WireGuard interface (a drop-in for wireguard-go); anymesh
is the operator's command line. Includes systemd units and the XDP pre-stage.")

# Shared libraries the binaries link (libdpdk, gRPC, OpenSSL, libbpf, ...), from dpkg-shlibdeps
# (package dpkg-dev, which build-essential brings).
find_program(ANYMESH_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(ANYMESH_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  message(WARNING "dpkg-shlibdeps not found (package dpkg-dev): the .deb will not depend on its shared libraries")
endif()

# What dpkg-shlibdeps cannot see. DPDK loads its drivers at run time from its plugin directory
# (pmds-ABI), so the mempool and bus drivers and the PMDs the install guide uses are named here:
# af_xdp and af_packet (kernel-owned interfaces), ena (EC2); the common PCI NICs are recommended.
set(anymesh_depends "wireguard-tools, iproute2")
set(anymesh_recommends "bird2")
if(ANYMESH_WITH_DPDK)
  file(GLOB anymesh_pmd_dirs "${DPDK_LIBDIR}/dpdk/pmds-*")
  if(anymesh_pmd_dirs MATCHES "pmds-([0-9]+)")
    set(abi ${CMAKE_MATCH_1})
  else()
    message(FATAL_ERROR "packaging: no DPDK plugin directory ${DPDK_LIBDIR}/dpdk/pmds-<ABI>")
  endif()
  # Debian's names: librte-<driver><ABI>, with a '-' before the ABI when the driver ends in a digit.
  foreach(driver mempool-ring bus-pci bus-vdev net-af-xdp net-af-packet net-ena)
    string(APPEND anymesh_depends ", librte-${driver}${abi}")
  endforeach()
  string(APPEND anymesh_recommends ", dpdk")
  foreach(driver net-ixgbe net-i40e net-ice net-iavf net-mlx5- net-bnxt net-virtio net-vmxnet3- net-gve)
    string(APPEND anymesh_recommends ", librte-${driver}${abi}")
  endforeach()
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${anymesh_depends}")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "${anymesh_recommends}")

# Maintainer scripts (cmake/debian/) and the list of conffiles.
set(anymesh_conffiles_file ${CMAKE_BINARY_DIR}/packaging/conffiles)
list(JOIN anymesh_conffiles "\n" anymesh_conffiles_text)
file(WRITE ${anymesh_conffiles_file} "${anymesh_conffiles_text}\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/cmake/debian/postinst
    ${PROJECT_SOURCE_DIR}/cmake/debian/prerm
    ${PROJECT_SOURCE_DIR}/cmake/debian/postrm
    ${anymesh_conffiles_file})
# Maintainer scripts 0755 and conffiles 0644 whatever the source files' modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
