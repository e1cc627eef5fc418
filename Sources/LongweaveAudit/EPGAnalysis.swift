/// ConTAM's threshold choice for one model and one metric: samples scoring above tau are
/// "contaminated"; the estimated performance gain EPG(tau) = mean(all) - mean(clean) and its
/// z = EPG / (sigma / sqrt(N_clean)), sigma the population standard deviation of the model's
/// scores on the whole benchmark. tau is swept over every distinct metric value; the one
/// with the largest z (at least `minClean` clean samples) is chosen, ties to the larger tau.
public struct EPGAnalysis: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var tau: Double
        /// Share of samples above tau.
        public var flagged: Double
        public var epg: Double
        public var z: Double
        public var clean: Int
    }

    /// Every threshold, in ascending tau.
    public var curve: [Point]
    public var selected: Point?

    /// `metric[i]` and `model[i]` belong to the same sample.
    public init(metric: [Double], model: [Double], minClean: Int = 1) {
        let count = model.count
        precondition(metric.count == count)
        curve = []
        selected = nil
        guard count > 0 else { return }
        let mean = model.reduce(0, +) / Double(count)
        let sigma = (model.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count)).squareRoot()
        // Ascending metric: the clean set of tau is a prefix.
        let order = metric.indices.sorted { metric[$0] < metric[$1] }
        var cleanSum = 0.0
        var clean = 0
        var i = 0
        while i < count {
            let tau = metric[order[i]]
            while i < count && metric[order[i]] == tau {
                cleanSum += model[order[i]]
                clean += 1
                i += 1
            }
            let epg = mean - cleanSum / Double(clean)
            let z = sigma > 0 ? epg / (sigma / Double(clean).squareRoot()) : 0
            let point = Point(tau: tau, flagged: Double(count - clean) / Double(count), epg: epg, z: z, clean: clean)
            curve.append(point)
            if clean >= minClean && (selected == nil || z >= selected!.z) { selected = point }
        }
    }
}
