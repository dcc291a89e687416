import Foundation
import KaoheStorage

/// The operations behind both the pages and the API, so the two cannot drift apart. Each checks the
/// permission it needs, validates its input with messages naming the field, and calls the store.
public struct Operations: Sendable {
    let deps: AppDependencies
    var store: any KaoheStore { deps.store }

    /// Creates the operations.
    public init(_ deps: AppDependencies) { self.deps = deps }
}
