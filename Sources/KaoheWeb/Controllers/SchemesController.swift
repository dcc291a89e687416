import Hummingbird

/// The schemes list (built-in schemes; upload and score tables come with the scoring engine).
struct SchemesController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.schemes.routerPath) { _, context -> HTML in
            try context.require(.useSite)
            return Views.schemes(deps.schemes(), identity: context.identity!, csrf: context.csrfToken)
        }
    }
}
