#pragma once
// Structured logs: one JSON object per line on stderr (or a test's sink), with level, time,
// message and whatever context fields the caller knows (request_id, application_id,
// conversation_id, ...). Callers pass identifiers only, never tokens, secrets, passwords or
// message bodies; bodies may be logged only at Level::debug, which an operator turns on
// explicitly. Header-only so every layer can log without a new library; single process-wide
// state, written from the io thread (and, rarely, the store's writer thread: the sink locks).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/json_escape.hpp"

namespace carebridge::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

using Field = std::pair<std::string_view, std::string_view>;
using Fields = std::initializer_list<Field>;

inline std::optional<Level> parse_level(std::string_view s) {
    if (s == "debug") return Level::debug;
    if (s == "info") return Level::info;
    if (s == "warn" || s == "warning") return Level::warn;
    if (s == "error") return Level::error;
    return std::nullopt;
}

inline const char* level_name(Level l) {
    switch (l) {
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warn: return "warn";
        case Level::error: return "error";
    }
    return "info";
}

struct State {
    Level level = Level::info;
    bool pinned = false;  // set from the command line: configuration does not override it
    std::function<void(std::string_view)> sink;  // empty: stderr
    std::mutex mutex;
};
inline State& state() {
    static State s;
    return s;
}

inline void set_level(Level l) { state().level = l; }
// --log-level: wins over the configuration file.
inline void pin_level(Level l) {
    state().level = l;
    state().pinned = true;
}
inline void configure_level(Level l) {
    if (!state().pinned) state().level = l;
}
inline Level level() { return state().level; }
inline bool enabled(Level l) { return l >= state().level; }
// For tests: capture lines instead of writing them to stderr (empty function: stderr again).
inline void set_sink(std::function<void(std::string_view)> sink) { state().sink = std::move(sink); }

// ISO 8601 UTC with milliseconds, e.g. 2026-11-26T03:04:05.678Z.
inline std::string utc_now() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[80];  // room for any int the compiler can imagine (-O2 checks format-truncation)
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

// Renders one line (without the newline); fields with empty values are left out.
inline std::string format(Level l, std::string_view message, Fields fields) {
    std::string line = "{\"time\":\"" + utc_now() + "\",\"level\":\"" + level_name(l) + "\",\"message\":";
    append_json_string(line, message);
    for (const auto& [key, value] : fields) {
        if (value.empty()) continue;
        line += ',';
        append_json_string(line, key);
        line += ':';
        append_json_string(line, value);
    }
    line += '}';
    return line;
}

inline void write(Level l, std::string_view message, Fields fields = {}) {
    if (!enabled(l)) return;
    std::string line = format(l, message, fields);
    State& s = state();
    std::lock_guard lock(s.mutex);
    if (s.sink) return s.sink(line);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

inline void debug(std::string_view m, Fields f = {}) { write(Level::debug, m, f); }
inline void info(std::string_view m, Fields f = {}) { write(Level::info, m, f); }
inline void warn(std::string_view m, Fields f = {}) { write(Level::warn, m, f); }
inline void error(std::string_view m, Fields f = {}) { write(Level::error, m, f); }

}  // namespace carebridge::log
