#include "tlb_picture.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vmtour {

std::string svg_target_error(const std::string& path) {
    if (path.empty()) return "--svg: an empty name is not a file";
    if (path == "-") return "--svg -: give a file name (the table is on stdout)";
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return fmt::format("--svg {}: is a directory", path);
        if (!S_ISREG(st.st_mode))
            return fmt::format("--svg {}: not a regular file (the picture is renamed over it)", path);
    }
    // Make the temporary file the writer will make, now, so a folder that refuses it (missing,
    // read-only, /proc) fails before minutes of measuring; keep one that was already there.
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    const bool made = fd >= 0;
    if (!made && errno == EEXIST) fd = ::open(tmp.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fmt::format("--svg {}: cannot write: {}", path, std::strerror(errno));
    ::close(fd);
    if (made) ::unlink(tmp.c_str());
    return "";
}

TlbCurve tlb_curve(const std::vector<TlbPoint>& points, const std::vector<Knee>& knees_4k,
                   const std::vector<Knee>& knees_thp, bool thp) {
    TlbCurve c;
    c.thp = thp;
    for (const TlbPoint& p : points) {
        TlbCurvePoint q{p.pages, p.ns_4k, std::nullopt, p.thp_fraction};
        if (thp) q.ns_thp = p.ns_thp;
        c.points.push_back(q);
    }
    for (const Knee& k : knees_4k) c.knees_4k.push_back({k.pages, k.before, k.after});
    if (thp)
        for (const Knee& k : knees_thp) c.knees_thp.push_back({k.pages, k.before, k.after});
    return c;
}

}  // namespace vmtour
