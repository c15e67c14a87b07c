# What `cmake --install` puts where (GNUInstallDirs; PREFIX is /usr/local unless --prefix says):
#   bin/vmsim, bin/vmreal, bin/vmlab
#   share/vmtour/lessons/        the lessons; vmsim finds them from its own folder (sim/CMakeLists.txt)
#   share/vmtour/lab/            what vmlab builds its guests with: fetch.sh, build.sh, common.sh,
#                                guest/init.sh (vmlab finds them from its own folder: lab/vmlab/layout.cpp)
#   libexec/vmtour/i386/         static 32-bit vmsim and vmreal for vmlab's i386 guests, from the
#                                static-i386 build (VMTOUR_GUEST_I386); the amd64 guests run bin/'s.
#   src/ko5204-VERSION/          the module's sources (cmake/packaging.cmake: ko5204-dkms's in
#                                the packages), which vmlab builds for its guests' kernels
#   share/doc/vmtour/            the README and docs/
#   share/man/man1/              vmsim.1, vmreal.1 and vmlab.1, made at build time from the --help
#   share/bash-completion/completions/vmsim, vmreal, vmlab: made at build time from the --help too
# Both generated files come from cmake/cli-tree.sh, which reads each command's --help (and its
# subcommands'), so they cannot drift from the commands; tests/install checks them.
# The kernel module's sources are component "dkms": its own package (cmake/packaging.cmake) puts
# them under /usr/src for DKMS.
include(GNUInstallDirs)

option(VMTOUR_MAN "Generate man pages with help2man (Debian package help2man)" ON)
if(VMTOUR_MAN)
  find_program(HELP2MAN help2man)
  if(NOT HELP2MAN)
    message(FATAL_ERROR "help2man not found: bash scripts/setup.sh installs it (-DVMTOUR_MAN=OFF: no man pages)")
  endif()
endif()
# The NAME line of each man page.
set(vmtour_man_name_vmsim "watch an x86 MMU translate virtual addresses, step by step")
set(vmtour_man_name_vmreal "where each page of your memory really lives in physical memory")
set(vmtour_man_name_vmlab "boot a real Linux kernel with the ko5204 module under QEMU, no root needed")

install(TARGETS vmsim vmreal vmlab RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT vmtour)
# The maintainers' scripts (regen.sh, record-from-matrix.sh) need a source tree: not installed.
install(DIRECTORY lessons/ DESTINATION ${CMAKE_INSTALL_DATADIR}/vmtour/lessons COMPONENT vmtour
        PATTERN "*.sh" EXCLUDE)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT vmtour)
install(FILES lab/fetch.sh lab/build.sh lab/common.sh DESTINATION ${CMAKE_INSTALL_DATADIR}/vmtour/lab COMPONENT vmtour)
install(FILES lab/guest/init.sh DESTINATION ${CMAKE_INSTALL_DATADIR}/vmtour/lab/guest COMPONENT vmtour)
# A 32-bit kernel runs only 32-bit programs, and the guests have no libraries: static builds
# (cmake --preset static-i386 && cmake --build --preset static-i386), made apart from this build
# (another compiler mode) and picked up here. Without them the package still installs; vmlab's
# 2level and pae modes then build them in the source tree while it exists, else say they are
# missing (tests/install/run.sh checks the .deb has them).
set(VMTOUR_GUEST_I386 ${PROJECT_SOURCE_DIR}/build/static-i386 CACHE PATH
    "The static-i386 build whose vmsim and vmreal go into libexec/vmtour/i386 (vmlab's i386 guests)")
install(PROGRAMS ${VMTOUR_GUEST_I386}/vmsim ${VMTOUR_GUEST_I386}/real/vmreal
        DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/vmtour/i386 COMPONENT vmtour OPTIONAL)
install(CODE "
  if(NOT EXISTS \"${VMTOUR_GUEST_I386}/vmsim\" OR NOT EXISTS \"${VMTOUR_GUEST_I386}/real/vmreal\")
    message(WARNING \"no static 32-bit vmsim and vmreal in ${VMTOUR_GUEST_I386}: vmlab's 2level and pae \"
                    \"guests will build them in ${PROJECT_SOURCE_DIR} while it is there (or: cmake --preset \"
                    \"static-i386 && cmake --build --preset static-i386, then install again)\")
  endif()" COMPONENT vmtour)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs COMPONENT vmtour)

set(vmtour_cli_tree ${PROJECT_SOURCE_DIR}/cmake/cli-tree.sh)
set(vmtour_generated)
foreach(cmd vmsim vmreal vmlab)
  # Bash completion: every command, subcommand and option in the command's help.
  set(completion ${PROJECT_BINARY_DIR}/completion/${cmd})
  add_custom_command(OUTPUT ${completion}
    COMMAND bash ${vmtour_cli_tree} completion $<TARGET_FILE:${cmd}> ${cmd} > ${completion}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${completion}.tmp ${completion}
    DEPENDS ${cmd} ${vmtour_cli_tree}
    COMMENT "Bash completion for ${cmd} from its --help")
  list(APPEND vmtour_generated ${completion})
  install(FILES ${completion} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT vmtour)

  if(VMTOUR_MAN)
    # help2man formats `CMD --help`; the subcommands' own help follows in a COMMANDS section
    # (cli-tree.sh man). --version-string: help2man then does not need a --version option.
    set(page ${PROJECT_BINARY_DIR}/man/${cmd}.1)
    add_custom_command(OUTPUT ${page}
      COMMAND bash ${vmtour_cli_tree} man $<TARGET_FILE:${cmd}> ${cmd} > ${page}.h2m
      COMMAND ${HELP2MAN} --no-info --section=1 --version-string=${PROJECT_VERSION}
              "--name=${vmtour_man_name_${cmd}}"
              --include=${page}.h2m --output=${page}.tmp $<TARGET_FILE:${cmd}>
      COMMAND ${CMAKE_COMMAND} -E rename ${page}.tmp ${page}
      DEPENDS ${cmd} ${vmtour_cli_tree}
      COMMENT "Man page ${cmd}.1 from ${cmd} --help (help2man)")
    list(APPEND vmtour_generated ${page})
    install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT vmtour)
  endif()
endforeach()
add_custom_target(vmtour_docs ALL DEPENDS ${vmtour_generated})
