// A learner's progress through the lessons (`vmsim lesson do`), kept per user in the XDG state
// directory: $XDG_STATE_HOME/vmtour/lessons, by default ~/.local/state/vmtour/lessons (XDG Base
// Directory Specification 0.8: a relative $XDG_STATE_HOME is ignored). One line per exercise:
//   LESSON-FOLDER EXERCISE-ID RESULT
// RESULT: right (at the first try), right-later (after a wrong answer or a hint), shown (the
// learner asked for the answer), seen (an exercise that asks nothing).
#pragma once

#include "lessons.hpp"

#include <map>
#include <string>

namespace vmtour::cli {

struct Progress {
    std::string path;   // "" when there is no home to keep it in
    std::map<std::string, std::map<std::string, std::string>> results;  // folder -> id -> result
};

// The file's path ("" when neither XDG_STATE_HOME nor HOME is set to an absolute path).
std::string progress_path();
// The progress kept so far (none when the file is missing; lines that are not three words are
// skipped, so a damaged file loses lines, never the session).
Progress load_progress();
// Writes the whole file atomically (a temporary file in the same folder, then rename(2)), so an
// interrupted write leaves the old file. Returns "" or why it could not.
std::string save_progress(const Progress& p);

}  // namespace vmtour::cli
