// Lessons 1 to 6 in the page: their files are compiled in (web/embed_lessons.py writes
// lessons_data.cpp at build time, so the page needs no fetch and works from file://), written
// once into emscripten's in-memory file system, and read there with sim/teach's own loader, so
// that `vmsim translate ... --machine blog.machine` finds its file as in the lesson's folder.
#include "lessons.hpp"
#include "markdown_html.hpp"
#include "parse.hpp"
#include "web.hpp"

#include <filesystem>
#include <fstream>
#include <string_view>

namespace vmtour::web {

struct EmbeddedFile {
    const char* path;  // relative to lessons/
    std::string_view text;
};
extern const EmbeddedFile EMBEDDED_LESSONS[];
extern const std::size_t EMBEDDED_LESSON_COUNT;

namespace {
constexpr const char* ROOT = "/lessons";
}

void write_lessons() {
    static bool done = false;
    if (done) return;
    for (std::size_t i = 0; i < EMBEDDED_LESSON_COUNT; ++i) {
        const std::filesystem::path p = std::filesystem::path(ROOT) / EMBEDDED_LESSONS[i].path;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << EMBEDDED_LESSONS[i].text;
    }
    done = true;
}

nlohmann::json lessons_json() {
    write_lessons();
    const auto lessons = load_lessons(ROOT);
    if (!lessons) throw InputError(lessons.error);
    nlohmann::json out = nlohmann::json::array();
    for (const Lesson& l : lessons.value) {
        const auto readme = read_input(l.dir + "/README.md", "lesson file");
        nlohmann::json exercises = nlohmann::json::array();
        for (const Exercise& e : l.exercises) {
            bool runnable = true;
            try {
                command_words(e.run);
            } catch (const InputError&) {
                runnable = false;  // the shell's arithmetic, or /proc/pagetable
            }
            exercises.push_back({{"id", e.id}, {"ask", e.ask}, {"run", e.run}, {"runnable", runnable}});
        }
        out.push_back({{"number", l.number}, {"slug", l.slug}, {"title", l.title}, {"dir", l.dir},
                       {"html", render_markdown_html(readme.value)}, {"exercises", exercises}});
    }
    return {{"lessons", out}};
}

}  // namespace vmtour::web
