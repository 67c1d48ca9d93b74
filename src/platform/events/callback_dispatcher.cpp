#include "platform/events/callback_dispatcher.hpp"

#include <algorithm>
#include <random>

#include <boost/json/parse.hpp>

#include "common/log.hpp"
#include "platform/events/envelope.hpp"

namespace carebridge::platform {

CallbackDispatcher::CallbackDispatcher(net::Scheduler& scheduler, net::HttpSender& http,
                                       Authorizer authorize, std::string baseuri,
                                       CallbackOptions options)
    : scheduler_(scheduler), http_(http), authorize_(std::move(authorize)),
      baseuri_(std::move(baseuri)), options_(options) {}

void CallbackDispatcher::enqueue(TrustedApp& app, const std::string& key, const std::string& url,
                                 std::uint64_t position) {
    auto& q = queues_[key];
    // Extend the last waiting job when contiguous: one operation's events go in one POST.
    if (!q.jobs.empty()) {
        Job& tail = q.jobs.back();
        const bool waiting = !(q.sending && q.jobs.size() == 1);
        if (waiting && tail.app == &app && tail.url == url && tail.last + 1 == position &&
            tail.last - tail.first + 1 < options_.max_events_per_post) {
            tail.last = position;
            return;
        }
    }
    q.jobs.push_back({&app, url, position, position, scheduler_.now(), 0});
    if (!q.sending && !q.scheduled) {
        // Deferred so that the rest of the current operation's events join this POST.
        q.scheduled = true;
        scheduler_.post([this, key] { pump(key); });
    }
}

void CallbackDispatcher::forget(const std::string& key) {
    auto it = queues_.find(key);
    if (it == queues_.end()) return;
    if (it->second.jobs.empty() && !it->second.sending && !it->second.scheduled) queues_.erase(it);
    else it->second.forgotten = true;
}

void CallbackDispatcher::set_context(const std::string& key, std::string context) {
    queues_[key].context = std::move(context);
}

std::uint64_t CallbackDispatcher::first_pending(const TrustedApp& app) const {
    std::uint64_t first = UINT64_MAX;
    for (const auto& [key, q] : queues_)
        for (const auto& j : q.jobs)
            if (j.app == &app) first = std::min(first, j.first);
    // With the defaults (retention = max age = 1 h) a dead letter's events are already old
    // enough to be compacted when it is given up.
    for (const auto& d : dead_letters_)
        if (d.app_id == app.config.id) first = std::min(first, d.first);
    return first;
}

std::size_t CallbackDispatcher::pending() const {
    std::size_t n = 0;
    for (const auto& [key, q] : queues_)
        for (const auto& j : q.jobs) n += j.last - j.first + 1;
    return n;
}

bool CallbackDispatcher::sending() const {
    return std::any_of(queues_.begin(), queues_.end(), [](const auto& q) { return q.second.sending; });
}

bool CallbackDispatcher::busy() const {
    for (const auto& [key, q] : queues_) {
        if (q.sending) return true;
        for (const auto& j : q.jobs)
            if (j.attempts == 0) return true;
    }
    return false;
}

void CallbackDispatcher::pump(const std::string& key) {
    auto it = queues_.find(key);
    if (it == queues_.end()) return;
    Queue& q = it->second;
    q.scheduled = false;
    q.retry.reset();
    if (q.sending || q.batched) return;
    if (q.jobs.empty()) {
        if (q.forgotten) queues_.erase(it);
        return;
    }
    if (!circuit_allows(key, q.jobs.front())) return;
    if (options_.batch_window.count() > 0) return join_batch(key, q);
    send({key});
}

std::string CallbackDispatcher::url_of(const Queue& q, const Job& job) const {
    std::string url = job.url;
    if (!q.context.empty())
        url += (url.find('?') == std::string::npos ? "?" : "&") +
               std::string("callbackContext=") + net::percent_encode(q.context);
    return url;
}

void CallbackDispatcher::join_batch(const std::string& key, Queue& q) {
    const Job& job = q.jobs.front();
    const std::string batch_key = job.app->config.id + " " + url_of(q, job);
    q.batched = true;  // its front job may still grow (enqueue) until the batch goes
    Batch& b = batches_[batch_key];
    b.keys.push_back(key);
    if (!b.timer)
        b.timer = scheduler_.after(options_.batch_window, [this, batch_key] { flush_batch(batch_key); });
}

void CallbackDispatcher::flush_batch(const std::string& batch_key) {
    auto it = batches_.find(batch_key);
    if (it == batches_.end()) return;
    std::vector<std::string> waiting = std::move(it->second.keys);
    batches_.erase(it);
    std::vector<std::string> now, later;
    std::size_t events = 0;
    for (auto& key : waiting) {
        auto q = queues_.find(key);
        if (q == queues_.end() || !q->second.batched) continue;
        const Job& job = q->second.jobs.front();
        const std::size_t n = job.last - job.first + 1;
        if (!now.empty() && events + n > options_.max_events_per_post) {
            later.push_back(std::move(key));
            continue;
        }
        q->second.batched = false;
        events += n;
        now.push_back(std::move(key));
    }
    if (!later.empty()) {  // the rest go in the next POST, at once
        Batch& b = batches_[batch_key];
        b.keys = std::move(later);
        b.timer = scheduler_.after(std::chrono::milliseconds(0), [this, batch_key] { flush_batch(batch_key); });
    }
    if (!now.empty()) send(now);
}

void CallbackDispatcher::send(const std::vector<std::string>& keys) {
    // The jobs in stream order: one envelope, the positions listed range by range.
    std::vector<std::pair<Job*, Queue*>> jobs;
    for (const auto& key : keys) {
        Queue& q = queues_.at(key);
        jobs.emplace_back(&q.jobs.front(), &q);
    }
    std::sort(jobs.begin(), jobs.end(), [](const auto& a, const auto& b) { return a.first->first < b.first->first; });
    const Job& lead = *jobs.front().first;
    const auto& stream = lead.app->events;
    std::vector<const StoredEvent*> events;
    std::string positions;
    for (auto& [job, q] : jobs) {
        q->sending = true;
        const auto range = stream.read(job->first, job->last - job->first + 1);
        events.insert(events.end(), range.begin(), range.end());
        if (!positions.empty()) positions += ',';
        positions += std::to_string(job->first) + "-" + std::to_string(job->last);
        ++job->attempts;
        ++attempts_;
        if (job->attempts > 1) ++retries_;
    }
    const std::string events_href = "/platformservice/v1/applications/" + lead.app->config.id +
                                    "/events";
    const std::string body = render_envelope(
        events, events_href + "?ack=" + std::to_string(lead.first),
        events_href + "?ack=" + std::to_string(jobs.back().first->last + 1), baseuri_);
    net::HeaderList headers{
        {"Content-Type", "application/json; charset=utf-8"},
        {"Authorization", authorize_(*lead.app)},
        {"X-Carebridge-Event-Positions", std::move(positions)},
    };
    http_.send("POST", url_of(*jobs.front().second, lead), std::move(headers), body, options_.timeout,
               [this, keys](net::ClientResult r) {
                   for (const auto& key : keys) on_result(key, r);
               });
}

void CallbackDispatcher::on_result(const std::string& key, const net::ClientResult& result) {
    auto it = queues_.find(key);
    if (it == queues_.end()) return;
    Queue& q = it->second;
    q.sending = false;
    Job& job = q.jobs.front();
    const bool ok = result.ok() && result.status >= 200 && result.status < 300;
    record_outcome(job, ok);
    if (ok) {
        delivered_ += job.last - job.first + 1;
        boost::system::error_code ec;
        auto answer = boost::json::parse(result.body, ec);
        if (!ec && answer.is_object())
            if (auto* ctx = answer.as_object().if_contains("CallbackContext"); ctx && ctx->is_string())
                q.context = std::string(ctx->as_string());
        const std::uint64_t last = job.last;
        const std::string context = q.context;
        q.jobs.pop_front();
        if (delivered_hook_) delivered_hook_(key, last, context);
        pump(key);
        return;
    }
    const auto age = scheduler_.now() - job.since;
    if (age > options_.max_age) {
        dead_letter(key, job, result.ok() ? "HTTP " + std::to_string(result.status) : result.error);
        q.jobs.pop_front();
        pump(key);
        return;
    }
    // Exponential backoff with full jitter, capped.
    const int shift = std::min(job.attempts - 1, 16);
    const std::chrono::milliseconds grown = options_.initial_backoff * (1LL << shift);
    const auto ceiling = std::min(options_.max_backoff, grown);
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_int_distribution<long long> jitter(ceiling.count() / 2, ceiling.count());
    schedule(key, std::chrono::milliseconds(jitter(rng)));
}

void CallbackDispatcher::schedule(const std::string& key, std::chrono::milliseconds delay) {
    Queue& q = queues_[key];
    q.scheduled = true;
    q.retry = scheduler_.after(delay, [this, key] { pump(key); });
}

void CallbackDispatcher::dead_letter(const std::string& key, const Job& job, std::string error) {
    log::error("callback given up after its maximum retry age: in the dead-letter list",
               {{"application_id", job.app->config.id},
                {"conversation_id", key},
                {"positions", std::to_string(job.first) + "-" + std::to_string(job.last)},
                {"attempts", std::to_string(job.attempts)},
                {"error", error}});
    dropped_ += job.last - job.first + 1;
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            scheduler_.now().time_since_epoch()).count();
    dead_letters_.push_back({next_dead_letter_++, job.app->config.id, key, job.url, std::move(error),
                             job.first, job.last, job.attempts, now_ms});
    if (dead_letter_added_) dead_letter_added_(dead_letters_.back(), queues_[key].context);
    trim_dead_letters();
}

void CallbackDispatcher::trim_dead_letters() {
    while (dead_letters_.size() > options_.dead_letter_limit) {
        const std::uint64_t id = dead_letters_.front().id;
        dead_letters_.pop_front();
        if (dead_letter_removed_) dead_letter_removed_(id);
    }
}

void CallbackDispatcher::restore_dead_letter(DeadLetter d) {
    next_dead_letter_ = std::max(next_dead_letter_, d.id + 1);
    dead_letters_.push_back(std::move(d));
    trim_dead_letters();
}

bool CallbackDispatcher::circuit_allows(const std::string& key, Job& job) {
    if (options_.breaker_failures == 0) return true;
    auto it = breakers_.find(job.url);
    if (it == breakers_.end() || !it->second.open) return true;
    Breaker& b = it->second;
    const auto now = scheduler_.now();
    if (now - job.since > options_.max_age) {  // aged out while the receiver was unreachable
        const Job dropped = job;
        queues_[key].jobs.pop_front();
        dead_letter(key, dropped, "circuit open");
        scheduler_.post([this, key] { pump(key); });
        queues_[key].scheduled = true;
        return false;
    }
    if (now >= b.until && !b.probing) {
        b.probing = true;  // half-open: this job tries, the others wait for its outcome
        job.probe = true;
        return true;
    }
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_int_distribution<long long> jitter(0, 500);
    const auto wait = std::max<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(b.until - now), std::chrono::milliseconds(250));
    schedule(key, wait + std::chrono::milliseconds(jitter(rng)));
    return false;
}

void CallbackDispatcher::record_outcome(const Job& job, bool ok) {
    if (options_.breaker_failures == 0) return;
    Breaker& b = breakers_[job.url];
    if (job.probe) b.probing = false;
    if (ok) {
        if (b.open) log::info("callback circuit closed", {{"application_id", job.app->config.id}});
        breakers_.erase(job.url);
        return;
    }
    ++b.failures;
    if (b.failures >= options_.breaker_failures || b.open) {
        if (!b.open)
            log::warn("callback circuit open: the receiver failed repeatedly",
                      {{"application_id", job.app->config.id}, {"failures", std::to_string(b.failures)}});
        b.open = true;
        b.until = scheduler_.now() + options_.breaker_cooldown;
    }
}

std::size_t CallbackDispatcher::open_circuits() const {
    return static_cast<std::size_t>(
        std::count_if(breakers_.begin(), breakers_.end(), [](const auto& b) { return b.second.open; }));
}

bool CallbackDispatcher::replay_dead_letter(TrustedApp& app, std::uint64_t id) {
    auto it = std::find_if(dead_letters_.begin(), dead_letters_.end(),
                           [&](const DeadLetter& d) { return d.id == id && d.app_id == app.config.id; });
    if (it == dead_letters_.end()) return false;
    const DeadLetter d = *it;
    dead_letters_.erase(it);
    if (dead_letter_removed_) dead_letter_removed_(d.id);
    // Not on the conversation's queue (it may have ended, and its order moved on), but on one
    // replay queue per conversation: replays of a conversation's dead letters arrive in the
    // order they are asked for (one queue each raced, and a later letter could land first).
    const std::string key = d.queue.empty() ? "replay:" + std::to_string(next_replay_++)
                            : d.queue.rfind("replay:", 0) == 0 ? d.queue
                                                                : "replay:" + d.queue;
    for (std::uint64_t p = std::max(d.first, app.events.first_position()); p <= d.last; ++p) enqueue(app, key, d.url, p);
    forget(key);
    return true;
}

std::size_t CallbackDispatcher::replay_from(TrustedApp& app, const std::string& url, std::uint64_t from) {
    const std::string key = "replay:" + std::to_string(next_replay_++);
    std::size_t n = 0;
    for (std::uint64_t p = std::max(from, app.events.first_position()); p < app.events.visible_end(); ++p, ++n)
        enqueue(app, key, url, p);
    forget(key);
    return n;
}

}  // namespace carebridge::platform
