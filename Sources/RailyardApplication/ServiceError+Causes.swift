import RailyardChannel
import RailyardCore
import RailyardStore

extension ServiceError {
    /// The error a use case answers with for a failure of the store, the channel, a package
    /// file or the rules: decided here once, for the CLI and the API alike.
    package init(_ error: any Error) {
        switch error {
        case let error as ServiceError:
            self = error
        case let error as StoreError:
            self.init(store: error)
        case let error as TrainRejection:
            self.init(rejection: error)
        case let error as ChannelError:
            var details: [String: JSONValue] = [:]
            if case .promotionRefused(let failing) = error { details["failing"] = .array(failing.map { .string($0) }) }
            let category: Category =
                if case .io = error { .failed } else { error.isRefusalByRule ? .refused : .invalid }
            self.init(category, error.code, error.description, details: details)
        case let error as PackageError:
            self.init(.invalid, error.code, error.description)
        case let error as AnacondaError:
            let category: Category = if case .cannotRun = error { .invalid } else { .refused }
            self.init(category, error.code, error.description)
        default:
            self.init(.failed, "internal", "railyard failed: \(error)")
        }
    }

    init(store error: StoreError) {
        switch error {
        case .rejected(let rejection):
            self.init(rejection: rejection)
        case .unknownTrain, .unknownToken, .unknownDelivery:
            self.init(.notFound, error.code, error.description)
        case .staleRevision, .trainExists, .tokenExists:
            self.init(.refused, error.code, error.description)
        case .idempotencyConflict:
            self.init(.keyReused, error.code, error.description)
        case .invalidLease, .backupExists:
            self.init(.invalid, error.code, error.description)
        case .invalidIdempotencyKey:
            self.init(.malformed, error.code, error.description)
        case .busy, .databaseMoved:
            self.init(.unavailable, error.code, error.description)
        case .missingDatabase, .orphanedLog, .cannotOpen, .newerSchema, .database:
            self.init(.failed, error.code, error.description)
        }
    }

    init(rejection: TrainRejection) {
        var details: [String: JSONValue] = [:]
        if case .gateNotMet(_, let failing) = rejection {
            details["failing"] = .array(
                failing.map { .object(["name": .string($0.name), "detail": .string($0.detail)]) })
        }
        let category: Category =
            switch rejection {
            case .notAllowed: .forbidden
            case .unknownMember, .unknownWork, .unknownCell: .notFound
            case .invalidSpec, .invalidRCNumber, .missingReason, .reasonTooLong: .invalid
            default: .refused
            }
        self.init(category, rejection.code, rejection.description, details: details)
    }
}
