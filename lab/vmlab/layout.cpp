#include "layout.hpp"

#include "errors.hpp"

#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>

// Set by lab/CMakeLists.txt: the tree vmlab was built from, and GNUInstallDirs' folders
// relative to the prefix.
#ifndef VMTOUR_SOURCE_DIR
#define VMTOUR_SOURCE_DIR ""
#endif
#ifndef VMTOUR_INSTALL_BINDIR
#define VMTOUR_INSTALL_BINDIR "bin"
#define VMTOUR_INSTALL_DATADIR "share"
#define VMTOUR_INSTALL_LIBEXECDIR "libexec"
#endif
#ifndef VMTOUR_VERSION
#define VMTOUR_VERSION ""
#endif

namespace vmtour::lab {

namespace fs = std::filesystem;

namespace {

bool present(const fs::path& p) {
    std::error_code ec;
    return fs::exists(p, ec);
}

// The folder of this executable (/proc/self/exe: the real file, whatever PATH or links said).
fs::path own_folder() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : self.parent_path();
}

// PREFIX when `bin` is PREFIX/BINDIR, else empty.
fs::path prefix_of(const fs::path& bin) {
    fs::path prefix = bin;
    for (const auto& part : fs::path(VMTOUR_INSTALL_BINDIR)) {
        if (part.empty() || part == ".") continue;
        if (!prefix.has_parent_path() || prefix == prefix.root_path()) return {};
        prefix = prefix.parent_path();
    }
    return prefix;
}

// Installed (cmake/install.cmake): PREFIX/share/vmtour/lab holds the scripts, the module's
// sources are ko5204-dkms's (PREFIX/src/ko5204-VERSION: not a second copy), the amd64 guests run
// PREFIX/bin's vmsim and vmreal, the i386 guests the static ones in PREFIX/libexec/vmtour/i386.
// A plain `cmake --install` made without the static-i386 build has no 32-bit programs: while
// the tree it was built from is still there, build.sh builds them in that tree, as it would for
// a vmlab run from the tree.
Layout installed(const fs::path& prefix) {
    const fs::path data = prefix / VMTOUR_INSTALL_DATADIR / "vmtour";
    const fs::path bin = prefix / VMTOUR_INSTALL_BINDIR;
    const fs::path i386 = prefix / VMTOUR_INSTALL_LIBEXECDIR / "vmtour" / "i386";
    Layout l{(data / "lab").string(),
             {{"VMLAB_KMOD", (prefix / "src" / fmt::format("ko5204-{}", VMTOUR_VERSION)).string()},
              {"VMLAB_LESSONS", (data / "lessons").string()},
              {"VMLAB_VMSIM_AMD64", (bin / "vmsim").string()},
              {"VMLAB_VMREAL_AMD64", (bin / "vmreal").string()}}};
    const fs::path src = VMTOUR_SOURCE_DIR;
    if (!present(i386 / "vmsim") && !src.empty() && present(src / "CMakePresets.json"))
        l.env.emplace_back("VMLAB_SOURCE", src.string());
    else
        l.env.emplace_back("VMLAB_I386_BIN", i386.string());
    return l;
}

// A source tree: its lab/, kmod/ and lessons/; the amd64 guests run the vmsim and vmreal built
// next to this vmlab (the same build the host's lessons and tests use), the i386 guests static
// ones that build.sh makes from the tree.
Layout source_tree(const fs::path& src, const fs::path& bin) {
    Layout l{(src / "lab").string(),
             {{"VMLAB_KMOD", (src / "kmod").string()}, {"VMLAB_LESSONS", (src / "lessons").string()}}};
    if (present(bin / "vmsim") && present(bin / "real" / "vmreal")) {
        l.env.emplace_back("VMLAB_VMSIM_AMD64", (bin / "vmsim").string());
        l.env.emplace_back("VMLAB_VMREAL_AMD64", (bin / "real" / "vmreal").string());
    }
    return l;
}

}  // namespace

// $VMTOUR_SOURCE first (a developer's choice), then an installed vmtour around this executable,
// then the tree it was built from.
Layout find_layout() {
    const fs::path bin = own_folder();
    if (const char* s = std::getenv("VMTOUR_SOURCE"); s && *s) {
        if (!present(fs::path(s) / "lab" / "build.sh"))
            throw LabError(fmt::format("VMTOUR_SOURCE is '{}', which is not a vmtour source tree (no lab/build.sh)", s));
        return source_tree(s, bin);
    }
    if (const fs::path prefix = prefix_of(bin);
        !prefix.empty() && present(prefix / VMTOUR_INSTALL_DATADIR / "vmtour" / "lab" / "build.sh"))
        return installed(prefix);
    const fs::path src = VMTOUR_SOURCE_DIR;
    if (!src.empty() && present(src / "lab" / "build.sh")) return source_tree(src, bin);
    throw LabError(fmt::format("no lab scripts: neither an installed vmtour around {} ({}/vmtour/lab) nor its "
                               "source tree '{}' (set VMTOUR_SOURCE to a checkout)",
                               bin.string(), VMTOUR_INSTALL_DATADIR, src.string()));
}

}  // namespace vmtour::lab
