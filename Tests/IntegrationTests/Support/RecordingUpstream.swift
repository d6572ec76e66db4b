/// Either upstream fixture, for helpers that only need what it recorded.
protocol RecordingUpstream: AnyObject {
    var recorder: RequestRecorder { get }
}

extension UpstreamFixture: RecordingUpstream {}
