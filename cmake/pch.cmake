# Precompiled headers: the Debian libraries' headers that most of our sources include, parsed
# once per target rather than once per source file. Measured (g++ 12, -O2 -g, a file that only
# includes it): fmt/format.h ~1 s, nlohmann/json.hpp ~3 s, CLI/CLI.hpp ~3.4 s, catch2/catch.hpp
# ~1.7 s of parsing, in 59, 10, 8 and 28 of the ~90 sources. Only parsing is saved: the code
# generated from these headers is compiled as before (CLI11's validators: sim/CMakeLists.txt).
# Targets of one or two sources have none (making it costs what it saves). A source that forgets
# an #include of these compiles anyway in its target: -DVMTOUR_PCH=OFF shows it.

# GCC 12 no longer silences some warnings computed after inlining (-Warray-bounds,
# -Wstringop-overflow) inside libstdc++'s headers when they come from a precompiled header: false
# positives like GCC bug 105329, in 1 source at -O2 (sim/CMakeLists.txt skips it there) and 7 at
# -O3 -m32 (the static-i386 preset). So the default is OFF for Release builds (the static
# presets) and for other compilers (fuzz: clang, untried); a source that meets one in default or
# asan: SKIP_PRECOMPILE_HEADERS, as in sim/CMakeLists.txt.
set(vmtour_pch_default ON)
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL GNU OR CMAKE_BUILD_TYPE STREQUAL Release)
  set(vmtour_pch_default OFF)
endif()
option(VMTOUR_PCH "Precompile the libraries' headers (CLI11, fmt, nlohmann/json, Catch2)" ${vmtour_pch_default})

# vmtour_pch(TARGET HEADER...): TARGET's sources are compiled with these headers precompiled
# (each target has its own: a precompiled header is only valid with its target's flags).
function(vmtour_pch target)
  if(VMTOUR_PCH)
    target_precompile_headers(${target} PRIVATE ${ARGN})
  endif()
endfunction()

# ccache (CMAKE_CXX_COMPILER_LAUNCHER=ccache) caches a source compiled with a precompiled header
# only with sloppiness pch_defines and time_macros (ccache's manual, "Precompiled headers");
# without them every such compile is a miss. Added to the sloppiness ccache is configured with,
# for this build's compiles only (ccache 4.7, Debian 12's, takes settings from the environment).
if(VMTOUR_PCH AND CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache$")
  execute_process(COMMAND ${CMAKE_CXX_COMPILER_LAUNCHER} --get-config sloppiness
                  OUTPUT_VARIABLE vmtour_sloppiness OUTPUT_STRIP_TRAILING_WHITESPACE)
  list(APPEND vmtour_sloppiness pch_defines time_macros)
  list(JOIN vmtour_sloppiness "," vmtour_sloppiness)
  set(CMAKE_CXX_COMPILER_LAUNCHER env "CCACHE_SLOPPINESS=${vmtour_sloppiness}" ${CMAKE_CXX_COMPILER_LAUNCHER})
endif()
