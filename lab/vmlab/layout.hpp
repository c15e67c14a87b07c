// Where vmlab finds what its guests are made of: the lab's scripts (fetch.sh, build.sh, the
// guest's /init), the module's sources, the lessons and the programs the guests run.  Two
// layouts: a source tree (the one this vmlab was built from, or $VMTOUR_SOURCE), and an
// installed vmtour found from this executable's own folder (GNUInstallDirs, so it can move).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vmtour::lab {

struct Layout {
    std::string scripts;  // the folder of fetch.sh, build.sh, common.sh and guest/init.sh
    // For build.sh (lab/common.sh): VMLAB_KMOD, VMLAB_LESSONS, VMLAB_VMSIM_AMD64,
    // VMLAB_VMREAL_AMD64, VMLAB_I386_BIN or VMLAB_SOURCE (the tree that builds the 32-bit
    // programs); an unset one: build.sh's default for a source tree.
    std::vector<std::pair<std::string, std::string>> env;
};

// Throws LabError when there is neither an installed layout nor a source tree.
Layout find_layout();

}  // namespace vmtour::lab
