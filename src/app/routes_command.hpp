#pragma once
// `carebridge routes` (hidden): prints the platform's route table as JSON, so tests can reach
// every route the router serves (a new route cannot escape the authorization matrix).
namespace carebridge::app {

int print_routes();

}  // namespace carebridge::app
