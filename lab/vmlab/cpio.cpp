#include "cpio.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

namespace vmtour::lab {

namespace {

void pad4(std::string& s) {
    while (s.size() % 4) s += '\0';
}

}  // namespace

// Header: "070701" and 13 fields of 8 hex digits (ino, mode, uid, gid, nlink, mtime, filesize,
// devmajor, devminor, rdevmajor, rdevminor, namesize with its NUL, check), the name, NUL,
// padding to 4 bytes, the data, padding to 4 bytes.
void Cpio::entry(const std::string& name, unsigned mode, const std::string& data) {
    out_ += fmt::format("070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
                        ino_++, mode, 0, 0, S_ISDIR(mode) ? 2 : 1, 0, data.size(), 0, 0, 0, 0, name.size() + 1, 0);
    out_ += name;
    out_ += '\0';
    pad4(out_);
    out_ += data;
    pad4(out_);
}

void Cpio::directory(const std::string& name) { entry(name, S_IFDIR | 0755, ""); }

void Cpio::file(const std::string& name, const std::string& data, unsigned mode) {
    entry(name, S_IFREG | (mode & 07777), data);
}

std::string Cpio::finish() {
    entry("TRAILER!!!", 0, "");
    return std::move(out_);
}

}  // namespace vmtour::lab
