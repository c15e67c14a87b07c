// The page runs a lesson's vmsim command through run_vmsim, the command line itself (sim/vmsim/
// app.cpp), so its output is the terminal's byte for byte. stdout and stderr are reopened onto
// files of emscripten's in-memory file system for the call, and stdin onto /dev/null, so that a
// command reading '-' sees an empty input instead of the browser's prompt() (emscripten's stdin).
#include "commands.hpp"
#include "web.hpp"

#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace vmtour::web {

std::vector<std::string> command_words(const std::string& line) {
    if (line.find_first_of("|;&<>$`'\"\\*?(){}") != std::string::npos)
        throw InputError(fmt::format("the page runs vmsim commands, not the shell: {}", line));
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    if (words.empty() || words[0] != "vmsim") throw InputError(fmt::format("not a vmsim command: {}", line));
    words.erase(words.begin());
    // `lesson check` and `grade` run other programs, which a browser cannot.
    if (!words.empty() && (words[0] == "lesson" || words[0] == "grade"))
        throw InputError(fmt::format("vmsim {} runs programs: run it in a terminal", words[0]));
    return words;
}

namespace {

std::string slurp(const char* path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

constexpr const char* OUT = "/tmp/vmsim.stdout";
constexpr const char* ERR = "/tmp/vmsim.stderr";

}  // namespace

nlohmann::json run_command(const nlohmann::json& req) {
    const std::vector<std::string> words = command_words(req.value("line", std::string()));
    write_lessons();
    const std::string dir = req.value("dir", std::string("/"));
    if (chdir(dir.c_str()) != 0) throw InputError(fmt::format("{}: no such folder", dir));
    std::fflush(stdout);
    std::fflush(stderr);
    if (!std::freopen(OUT, "w", stdout) || !std::freopen(ERR, "w", stderr) || !std::freopen("/dev/null", "r", stdin))
        throw std::runtime_error("cannot capture the command's output");
    const int status = vmtour::cli::run_vmsim(words);
    std::cout.flush();
    std::fflush(stdout);
    std::fflush(stderr);
    // Back to emscripten's console streams.
    std::freopen("/dev/tty", "w", stdout);
    std::freopen("/dev/tty", "w", stderr);
    std::cin.clear();
    std::cout.clear();
    chdir("/");
    return {{"stdout", slurp(OUT)}, {"stderr", slurp(ERR)}, {"status", status}};
}

}  // namespace vmtour::web
