#include "lesson_progress.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace vmtour::cli {

namespace fs = std::filesystem;

std::string progress_path() {
    const char* state = std::getenv("XDG_STATE_HOME");
    if (state && state[0] == '/') return (fs::path(state) / "vmtour" / "lessons").string();
    const char* home = std::getenv("HOME");
    if (home && home[0] == '/') return (fs::path(home) / ".local" / "state" / "vmtour" / "lessons").string();
    return "";
}

Progress load_progress() {
    Progress p;
    p.path = progress_path();
    if (p.path.empty()) return p;
    std::ifstream in(p.path);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::string folder, id, result, extra;
        if (words >> folder >> id >> result && !(words >> extra)) p.results[folder][id] = result;
    }
    return p;
}

std::string save_progress(const Progress& p) {
    if (p.path.empty()) return "no place to keep progress (set HOME or XDG_STATE_HOME)";
    const fs::path file(p.path);
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    if (ec) return fmt::format("{}: {}", file.parent_path().string(), ec.message());
    const fs::path tmp = file.parent_path() / fmt::format(".lessons.{}.tmp", getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << "# vmtour lesson progress (vmsim lesson do): LESSON-FOLDER EXERCISE RESULT\n";
        for (const auto& [folder, ids] : p.results)
            for (const auto& [id, result] : ids) out << folder << ' ' << id << ' ' << result << '\n';
        out.flush();
        if (!out) {
            fs::remove(tmp, ec);
            return fmt::format("{}: cannot write", tmp.string());
        }
    }
    if (std::rename(tmp.c_str(), file.c_str()) != 0) {
        fs::remove(tmp, ec);
        return fmt::format("{}: cannot replace it", file.string());
    }
    return "";
}

}  // namespace vmtour::cli
