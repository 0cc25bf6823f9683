using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Screening.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("screening");
builder.AddScreening();
builder.AddJinDuBus("screening", _ => { });

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapScreeningApi();
app.Run();
