// The check endpoints, one registration function each (add_check_service_routes calls them all).
#pragma once

#include <madoguchi/api/routes.hpp>

namespace madoguchi::api {

// POST /v1/checks/by-number (asynchronous).
void add_check_by_number(Router& router, check::CheckService& service,
                         const CheckRoutesOptions& options);
// POST /v1/checks/by-card (blocking: the reader).
void add_check_by_card(Router& router, check::CheckService& service,
                       const CheckRoutesOptions& options);
// POST /v1/checks/by-document (blocking: OCR).
void add_check_by_document(Router& router, check::CheckService& service,
                           const CheckRoutesOptions& options);
// POST /v1/checks/batch (blocking: one gateway batch within the request).
void add_check_batch(Router& router, check::CheckService& service,
                     const CheckRoutesOptions& options);

}  // namespace madoguchi::api
