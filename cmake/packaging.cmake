# Two Debian packages with CPack (cpack -G DEB in the build folder; tests/install/run.sh):
#   vmtour_VERSION_ARCH.deb      component "vmtour": what `cmake --install` installs, under /usr;
#                                Depends from dpkg-shlibdeps (libc6, libstdc++6, libgcc-s1).
#   ko5204-dkms_VERSION_all.deb  component "dkms": the module's sources in /usr/src/ko5204-VERSION
#                                with its dkms.conf, as dh_dkms lays them out; postinst and prerm
#                                are dh_dkms's (cmake/dkms/), so installing it builds the module
#                                for the running kernel when its headers are there.
# VERSION is the project's version (CMakeLists.txt), in dkms.conf too.
# dkms.conf says PACKAGE_VERSION="#MODULE_VERSION#", the placeholder dh_dkms fills in.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/kmod/dkms.conf)
file(READ ${PROJECT_SOURCE_DIR}/kmod/dkms.conf vmtour_dkms_conf)
string(REPLACE "#MODULE_VERSION#" "${PROJECT_VERSION}" vmtour_dkms_conf "${vmtour_dkms_conf}")
file(WRITE ${PROJECT_BINARY_DIR}/dkms/dkms.conf "${vmtour_dkms_conf}")
foreach(script postinst prerm)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/dkms/${script}.in ${PROJECT_BINARY_DIR}/dkms/${script} @ONLY
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()

# Relative to the prefix: /usr/src/ko5204-VERSION in the package. A plain `cmake --install` puts
# them in PREFIX/src/ko5204-VERSION too, because vmlab builds its guests' module from there
# (lab/vmlab/layout.cpp); `dkms add` takes that folder as it is.
install(DIRECTORY kmod/ DESTINATION src/ko5204-${PROJECT_VERSION} COMPONENT dkms
        FILES_MATCHING PATTERN "*.c" PATTERN "*.h" PATTERN "Kbuild" PATTERN "Makefile"
        PATTERN "*.mod.c" EXCLUDE)  # kbuild writes those when the module is built in place
install(FILES ${PROJECT_BINARY_DIR}/dkms/dkms.conf DESTINATION src/ko5204-${PROJECT_VERSION}
        COMPONENT dkms)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vmtour)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "vmtour maintainers <vmtour@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "how x86 virtual memory really works")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # the debug info (RelWithDebInfo) is 90% of the binaries: not in the package
set(CPACK_OUTPUT_FILE_PREFIX ${PROJECT_BINARY_DIR}/packages)
set(CPACK_COMPONENTS_ALL vmtour dkms)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # NAME_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION misc)

set(CPACK_DEBIAN_VMTOUR_PACKAGE_NAME vmtour)
set(CPACK_DEBIAN_VMTOUR_PACKAGE_SHLIBDEPS ON)
# vmlab's needs are Recommends, not Depends: vmsim and vmreal need none of them, and QEMU with
# its libraries is about 100 MB that a learner who wants only the simulator may leave out
# (--no-install-recommends); apt installs Recommends by default, so `apt install vmtour` gives a
# working vmlab, and a vmlab missing one says which package in one line. QEMU boots the guests;
# ko5204-dkms holds the module's sources (vmlab builds them against each guest kernel's headers,
# with gcc and make); cpio packs the initramfs; libelf1 is what the downloaded kernels' kbuild
# tools (objtool) load; xz-utils and zstd unpack the amd64 kernels for the faster PVH boot.
set(CPACK_DEBIAN_VMTOUR_PACKAGE_RECOMMENDS
    "man-db, bash-completion, qemu-system-x86, ko5204-dkms (= ${PROJECT_VERSION}), gcc, make, cpio, libelf1, xz-utils, zstd")
set(CPACK_DEBIAN_VMTOUR_PACKAGE_SECTION education)
set(CPACK_COMPONENT_VMTOUR_DESCRIPTION
  "vmtour: how x86 virtual memory really works\n"
  "vmsim, a software x86 MMU that shows every step of a page walk in the four paging\n"
  "modes, and vmreal, which allocates memory and shows where each page really lives\n"
  "in physical memory (/proc/self/pagemap); with lessons, man pages and completion.\n"
  "vmlab boots real Debian kernels in each paging mode under QEMU, with the ko5204\n"
  "module loaded, no root needed.")

set(CPACK_DEBIAN_DKMS_PACKAGE_NAME ko5204-dkms)
set(CPACK_DEBIAN_DKMS_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_DKMS_PACKAGE_DEPENDS dkms)
set(CPACK_DEBIAN_DKMS_PACKAGE_SECTION kernel)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_DKMS_PACKAGE_CONTROL_EXTRA ${PROJECT_BINARY_DIR}/dkms/postinst ${PROJECT_BINARY_DIR}/dkms/prerm)
set(CPACK_COMPONENT_DKMS_DESCRIPTION
  "ko5204 kernel module (/proc/pagetable) for vmtour, DKMS sources\n"
  "The module behind vmtour's real-kernel lessons: vmalloc and kmalloc pages with their\n"
  "physical addresses, a walk of any address, and snapshots of real page tables that\n"
  "vmsim replays. x86, Linux 6.1 or later. DKMS builds it for each installed kernel.")

include(CPack)
