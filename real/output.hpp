// Where the report goes: stdout, or FILE, written as an unnamed O_TMPFILE file in FILE's directory
// (a named temporary file where the filesystem lacks O_TMPFILE) and renamed over FILE only when the
// whole report is written. On an error, an exception or SIGINT / SIGTERM / SIGHUP (unless they were
// ignored) a named temporary file is removed; an unnamed one vanishes even on SIGKILL. So a FILE
// that exists is always complete. Only character devices, FIFOs and sockets (/dev/null,
// /dev/stdout) are written in place; every regular file, /dev/shm's too, is replaced whole.
#pragma once

#include <string>
#include <string_view>

namespace vmtour {

class OutputFile {
public:
    // "" (no -o) or "-" is stdout. Creates the temporary file now, so an unwritable FILE fails before any
    // memory is allocated (RealError, EXIT_USAGE; the message starts with `option`).
    explicit OutputFile(const std::string& path, std::string_view option = "-o");
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;
    ~OutputFile();  // removes the temporary file unless commit() succeeded

    void write(std::string_view bytes);  // throws RealError
    void commit();                       // closes and renames; throws RealError
    bool is_stdout() const { return path_.empty(); }

private:
    void name_temp();

    std::string path_;  // empty: stdout
    std::string dir_, base_;  // FILE's directory (with its '/') and name
    bool here_ = false;       // FILE has no directory part
    std::string temp_;        // the temporary file's name; empty while it is unnamed (O_TMPFILE)
    int fd_ = 1;
    bool committed_ = false;
    bool direct_ = false;  // a device or pipe, written in place
    int slot_ = -1;        // the signal handler's slot for temp_
};

}  // namespace vmtour
