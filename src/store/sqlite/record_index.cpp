#include "store/sqlite/record_index.hpp"

#include <algorithm>

#include "store/sqlite/sqlite_handle.hpp"

namespace carebridge::store::sqlite {
namespace {

using Entries = std::vector<RecordIndex::Entry>;

Entries::const_iterator lower_bound(const Entries& v, std::uint64_t position) {
    return std::lower_bound(v.begin(), v.end(), position,
                            [](const RecordIndex::Entry& e, std::uint64_t p) { return e.position < p; });
}

void insert_sorted(Entries& v, RecordIndex::Entry e) {
    // Appends come in position order: the end, nearly always.
    if (v.empty() || v.back().position < e.position) v.push_back(e);
    else v.insert(v.begin() + (lower_bound(v, e.position) - v.begin()), e);
}

}  // namespace

std::string RecordIndex::load(sqlite3* db) {
    Statement scan;
    if (const int rc = scan.prepare(db, "SELECT stream, position, id FROM records"); rc != SQLITE_OK)
        return describe(db, rc);
    std::lock_guard lock(mu_);
    streams_.clear();
    undo_.clear();
    size_ = 0;
    const int rc = scan.query([&](sqlite3_stmt* s) {
        streams_[column_text(s, 0)].push_back(
            {static_cast<std::uint64_t>(sqlite3_column_int64(s, 1)), sqlite3_column_int64(s, 2)});
        ++size_;
    });
    if (rc != SQLITE_DONE) return describe(db, rc);
    for (auto& [name, entries] : streams_)
        std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.position < b.position; });
    return "";
}

bool RecordIndex::contains(const std::string& stream, std::uint64_t position) const {
    std::lock_guard lock(mu_);
    auto it = streams_.find(stream);
    // Appends come in position order: past the last entry, nearly always (no search).
    if (it == streams_.end() || it->second.empty() || it->second.back().position < position) return false;
    auto e = lower_bound(it->second, position);
    return e != it->second.end() && e->position == position;
}

void RecordIndex::add(const std::string& stream, std::uint64_t position, std::int64_t rowid) {
    std::lock_guard lock(mu_);
    insert_sorted(streams_[stream], {position, rowid});
    ++size_;
    undo_.push_back({stream, true, {position, rowid}, {}});
}

std::vector<RecordIndex::Entry> RecordIndex::take(const std::string& stream, std::uint64_t below) {
    auto it = streams_.find(stream);
    if (it == streams_.end()) return {};
    auto& v = it->second;
    const auto end = v.begin() + (lower_bound(v, below) - v.begin());
    Entries taken(v.begin(), end);
    v.erase(v.begin(), end);
    if (v.empty()) streams_.erase(it);
    size_ -= taken.size();
    if (!taken.empty()) undo_.push_back({stream, false, {}, taken});
    return taken;
}

std::vector<RecordIndex::Entry> RecordIndex::remove_below(const std::string& stream, std::uint64_t position) {
    std::lock_guard lock(mu_);
    return take(stream, position);
}

std::vector<RecordIndex::Entry> RecordIndex::remove_all(const std::string& stream) {
    std::lock_guard lock(mu_);
    return take(stream, UINT64_MAX);
}

void RecordIndex::commit() {
    std::lock_guard lock(mu_);
    undo_.clear();
}

void RecordIndex::rollback() {
    std::lock_guard lock(mu_);
    for (auto u = undo_.rbegin(); u != undo_.rend(); ++u) {
        auto& v = streams_[u->stream];
        if (u->added) {
            const auto p = u->one.position;
            if (auto e = lower_bound(v, p); e != v.end() && e->position == p) {
                v.erase(v.begin() + (e - v.begin()));
                --size_;
            }
        } else {
            for (const auto& e : u->entries) insert_sorted(v, e);
            size_ += u->entries.size();
        }
        if (v.empty()) streams_.erase(u->stream);
    }
    undo_.clear();
}

std::vector<RecordIndex::Entry> RecordIndex::range(const std::string& stream, std::uint64_t from,
                                                   std::size_t max) const {
    std::lock_guard lock(mu_);
    auto it = streams_.find(stream);
    if (it == streams_.end() || max == 0) return {};
    const auto& v = it->second;
    auto first = lower_bound(v, from);
    const auto n = std::min<std::size_t>(max, static_cast<std::size_t>(v.end() - first));
    return Entries(first, first + static_cast<std::ptrdiff_t>(n));
}

std::map<std::string, std::uint64_t> RecordIndex::last_positions() const {
    std::lock_guard lock(mu_);
    std::map<std::string, std::uint64_t> out;
    for (const auto& [name, v] : streams_)
        if (!v.empty()) out.emplace(name, v.back().position);
    return out;
}

std::size_t RecordIndex::size() const {
    std::lock_guard lock(mu_);
    return size_;
}

}  // namespace carebridge::store::sqlite
