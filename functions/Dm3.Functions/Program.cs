using Azure.Monitor.OpenTelemetry.Exporter;
using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.Functions.Http;
using Dm3.Functions.Runtime;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The Azure Functions app: .NET isolated worker with ASP.NET Core integration (decisions §30). The [Function] classes
// in the feature folders are thin; composition, endpoint handlers and use cases are shared with the standalone host.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<HttpFunctionMiddleware>(); // CORS policy per function, ProblemDetails for the unexpected
builder.Services.AddDm3(Features.All, builder.Environment.ContentRootPath, HostModel.FunctionsWorker);
builder.Services.AddSingleton<QueueFunctionRunner>();
if (!string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    builder.Services.AddOpenTelemetry().UseFunctionsWorkerDefaults().UseAzureMonitorExporter();
}

var app = builder.Build();
StartupValidation.Validate(app.Services); // a bad setting stops the worker with a message naming it
app.Run();
