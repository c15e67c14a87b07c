// What vmtour_web.cpp's dispatcher shares with the files that serve its bigger requests.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace vmtour::web {

// A bad request from the learner: its message goes to the page as {"error": ...}.
struct InputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// {"line":"vmsim translate 0x1337babe --machine blog.machine","dir":"/lessons/03-..."}: runs the
// command line itself (run_vmsim) in DIR, with the lessons' files there, and returns
// {"stdout","stderr","status"}. Only vmsim's own commands: the page has no shell.
nlohmann::json run_command(const nlohmann::json& req);
// The words after "vmsim" of a command the page can run; else InputError, in one line.
std::vector<std::string> command_words(const std::string& line);

// Lessons 1 to 6, embedded at build time: {"lessons":[{"number","slug","title","dir","html",
// "exercises":[{"id","ask","run","runnable"}]}]}.
nlohmann::json lessons_json();

// Writes the embedded lessons under /lessons in the in-memory file system (once).
void write_lessons();

}  // namespace vmtour::web
