namespace Dm3.Protocol;
internal static class Placeholder;
