using JinDu.BuildingBlocks.Hosting;
using JinDu.Gateway;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("gateway");
builder.AddGateway();

var app = builder.Build();
app.UseServiceDefaults();
app.UseRateLimiter();
app.MapDefaultEndpoints();
app.MapGateway();
app.Run();
