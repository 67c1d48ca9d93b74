#pragma once
// Copies the WAL back into the database file on a thread of its own. SQLite's automatic
// checkpoint runs inside the committing transaction, so every commit that crossed the
// threshold also paid for copying and syncing the whole WAL: under load that was a third of
// the writer's time and every answer waiting behind it (bench/RESULTS.md, "Before and after").
// Here the writer only asks (request()), and keeps committing while the copy runs (WAL mode
// lets a passive checkpoint run beside a writer).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite/sqlite_handle.hpp"

namespace carebridge::store::sqlite {

class Checkpointer {
public:
    // db: a connection of its own to the same database, configured like the writer's.
    Checkpointer(Connection db, std::string label);
    // Finishes a running checkpoint, then stops; the database stays consistent either way.
    ~Checkpointer();
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    // Any thread, never blocks: a checkpoint runs soon (requests while one runs coalesce).
    void request();
    std::uint64_t completed() const { return completed_.load(); }

private:
    void run();
    void checkpoint();

    Connection db_;
    std::string label_;
    std::string last_error_;  // checkpointer thread only: log each new error once
    std::mutex mu_;
    std::condition_variable wake_;
    bool requested_ = false;
    bool stopping_ = false;
    std::atomic<std::uint64_t> completed_{0};
    std::thread thread_;  // last: started once everything above exists
};

}  // namespace carebridge::store::sqlite
