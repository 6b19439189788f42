/// The schema, as plain `.sql` files applied in order; each file's name is its migration id.
/// A shipped file is never edited: a change is a new file.
package enum Migrations {
    /// Every migration, oldest first.
    package static let all: [(id: String, sql: String)] = [
        ("m0001_trains", String(decoding: PackageResources.m0001_trains_sql, as: UTF8.self)),
        ("m0002_work_claims", String(decoding: PackageResources.m0002_work_claims_sql, as: UTF8.self)),
        ("m0003_build_work", String(decoding: PackageResources.m0003_build_work_sql, as: UTF8.self)),
        ("m0004_tokens", String(decoding: PackageResources.m0004_tokens_sql, as: UTF8.self)),
        ("m0005_deliveries", String(decoding: PackageResources.m0005_deliveries_sql, as: UTF8.self)),
        ("m0006_request_keys", String(decoding: PackageResources.m0006_request_keys_sql, as: UTF8.self)),
        ("m0007_token_roles", String(decoding: PackageResources.m0007_token_roles_sql, as: UTF8.self)),
        ("m0008_claims_as_events", String(decoding: PackageResources.m0008_claims_as_events_sql, as: UTF8.self)),
        ("m0009_support_members", String(decoding: PackageResources.m0009_support_members_sql, as: UTF8.self)),
        ("m0010_channel_log", String(decoding: PackageResources.m0010_channel_log_sql, as: UTF8.self)),
    ]
}
