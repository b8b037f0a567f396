// `npm start`: the station launcher. Until the services exist it says so and exits cleanly.
console.log('Station Service: no services to run yet (the launcher arrives with the services).');
