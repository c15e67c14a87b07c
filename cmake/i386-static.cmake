# Toolchain file: fully static 32-bit x86 (i386) programs with the host's g++ and -m32, for the
# 32-bit rows of the real-kernel matrix (a 32-bit kernel runs only 32-bit programs) and for
# anyone who wants vmreal on an i386 machine. Needs Debian's g++-multilib.
#   cmake --preset static-i386 && cmake --build --preset static-i386
set(CMAKE_C_FLAGS_INIT "-m32")
set(CMAKE_CXX_FLAGS_INIT "-m32")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-m32 -static")
# Not cross compiling in CMake's sense (same OS, the CPU runs the result): find_package looks in
# the host's folders, where only header-only packages fit a 32-bit build. fmt's package is
# architecture-specific, so a header-only stand-in is used (see header-only-fmt/).
set(fmt_DIR "${CMAKE_CURRENT_LIST_DIR}/header-only-fmt" CACHE PATH "fmt's package: header-only for 32-bit builds")
