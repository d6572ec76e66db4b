import XCTest
import NIOCore
import NIOSSL
import NIOHTTP1
import NIOPosix
