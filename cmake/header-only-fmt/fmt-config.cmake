# fmt as a header-only package, for the 32-bit static build (cmake/i386-static.cmake).
# The host's fmt CMake package is the amd64 one: its version file refuses a build whose pointer
# size differs, although vmtour uses only fmt's headers, which are the same for every
# architecture. This defines fmt::fmt-header-only as Debian's package does; vmtour itself links
# vmtour_fmt (fmt's implementation compiled once, cmake/fmt-once/fmt.cpp, see CMakeLists.txt).
find_path(VMTOUR_FMT_INCLUDE fmt/format.h REQUIRED)
if(NOT TARGET fmt::fmt-header-only)
  add_library(fmt::fmt-header-only INTERFACE IMPORTED)
  set_target_properties(fmt::fmt-header-only PROPERTIES
    INTERFACE_COMPILE_DEFINITIONS "FMT_HEADER_ONLY=1"
    INTERFACE_INCLUDE_DIRECTORIES "${VMTOUR_FMT_INCLUDE}")
endif()
set(fmt_FOUND TRUE)
