// vmsim: a software x86 MMU that shows every step of a page walk. The command itself is
// run_vmsim (app.cpp), which the web page calls too.
#include "commands.hpp"

#include <string>
#include <vector>

int main(int argc, char** argv) { return vmtour::cli::run_vmsim(std::vector<std::string>(argv + 1, argv + argc)); }
